// Entry point bundled into dist/index.js; everything else lives in main.ts so tests can call run().
import { run } from "./main";

await run();
