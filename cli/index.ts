// `npx edge-bluegreen`: bundled into dist/cli.js; everything else lives in main.ts so tests can call run().
import { processIo } from "./io";
import { run } from "./main";

process.exitCode = await run(process.argv.slice(2), processIo());
