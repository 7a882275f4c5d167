// Bundles the action into dist/index.js (committed: GitHub runs it as is). `--check` fails when dist/ is stale.
import { readFile } from "node:fs/promises";
import { build } from "esbuild";

const check = process.argv.includes("--check");
const outfile = "dist/index.js";

const result = await build({
  entryPoints: ["action/index.ts"],
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  // Some bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  legalComments: "none",
  // Module paths as the checkout sees them, even when node_modules is a symlink (a git worktree sharing
  // another's): the bundle, and so `--check`, must not depend on where the packages really live.
  preserveSymlinks: true,
  outfile,
  write: !check,
  logLevel: "warning",
});

if (check) {
  const fresh = result.outputFiles?.[0]?.text ?? "";
  const committed = await readFile(outfile, "utf8").catch(() => "");
  if (fresh !== committed) {
    console.error(`${outfile} is out of date with action/ and shared/: run \`npm run build:action\` and commit it.`);
    process.exit(1);
  }
  console.log(`${outfile} is in sync with the source.`);
}
