// Bundles the action into dist/index.js (committed: GitHub runs it as is) and the CLI into dist/cli.js
// (committed: `npx edge-bluegreen` runs it in a checkout without a build step). `--check` fails when either is stale.
import { readFile } from "node:fs/promises";
import { build } from "esbuild";

const check = process.argv.includes("--check");

const BUNDLES = [
  {
    entry: "action/index.ts",
    outfile: "dist/index.js",
    target: "node24",
    // Some bundled CommonJS dependencies call require() for Node built-ins.
    banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    source: "action/, control/ and shared/",
    minifyWhitespace: false,
  },
  // The CLI runs on whatever Node is on PATH (engines: >= 20).
  {
    entry: "cli/index.ts",
    outfile: "dist/cli.js",
    target: "node20",
    banner: "#!/usr/bin/env node",
    source: "cli/, control/ and shared/",
    // Long lines keep a generated copy of the sources out of `duplicates`; names stay readable in a stack trace.
    minifyWhitespace: true,
  },
];

let stale = false;
for (const b of BUNDLES) {
  const result = await build({
    entryPoints: [b.entry],
    bundle: true,
    platform: "node",
    target: b.target,
    format: "esm",
    banner: { js: b.banner },
    minifyWhitespace: b.minifyWhitespace,
    legalComments: "none",
    // Module paths as the checkout sees them, even when node_modules is a symlink (a git worktree sharing
    // another's): the bundle, and so `--check`, must not depend on where the packages really live.
    preserveSymlinks: true,
    outfile: b.outfile,
    write: !check,
    logLevel: "warning",
  });
  if (!check) continue;
  const fresh = result.outputFiles?.[0]?.text ?? "";
  const committed = await readFile(b.outfile, "utf8").catch(() => "");
  if (fresh === committed) {
    console.log(`${b.outfile} is in sync with the source.`);
  } else {
    console.error(`${b.outfile} is out of date with ${b.source}: run \`npm run build:action\` and commit it.`);
    stale = true;
  }
}
if (stale) process.exit(1);
