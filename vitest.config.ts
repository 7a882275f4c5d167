import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const ROOT = import.meta.dirname;

// The order `vitest run` starts test files in: the longest first. Two workers take files one after another, so a
// long file started last runs alone at the end. Vitest's own order goes by the durations it cached from the last
// run (node_modules/.vite, absent in a fresh CI clone), else by file size, which put the fault matrix (small files,
// long cells) last.

/**
 * The files that take half a minute or more, with the seconds each took on the 2-core machine (2026-12-06, alone
 * or beside other jobs; only their order matters): they start first, longest first, every other file after them
 * in vitest's order.
 */
const LONGEST: Record<string, number> = {
  "test/e2e/fault-matrix-spool.test.ts": 100,
  "test/e2e/zero-loss.test.ts": 66,
  "test/sim/scale.test.ts": 62,
  "action/main.test.ts": 55,
  "test/sim/fast-path-convergence.test.ts": 53,
  "test/e2e/fault-matrix-standby.test.ts": 47,
  "test/e2e/fault-matrix-active.test.ts": 44,
  "worker/spool/spool.test.ts": 41,
  "test/e2e/dashboard.test.ts": 40,
  "worker/controller/active-watch.test.ts": 40,
  "test/e2e/fault-matrix-switch-1.test.ts": 38,
  "test/sim/sim.test.ts": 37,
  "test/e2e/traffic-steps.test.ts": 35,
  "test/e2e/cli.test.ts": 35,
  "test/e2e/fault-matrix-switch-2.test.ts": 34,
  "worker/controller/object.test.ts": 32,
  "worker/controller/timing.test.ts": 32,
  "worker/notify/notify.test.ts": 31,
  "worker/controller/watch.test.ts": 30,
};

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    for (const path of Object.keys(LONGEST))
      if (!existsSync(resolve(ROOT, path))) throw new Error(`vitest.config.ts names ${path}, which is gone`);
    const seconds = (f: TestSpecification) => LONGEST[relative(ROOT, f.moduleId)] ?? 0;
    // A stable sort: files of equal weight (all the unlisted ones) keep vitest's order.
    return (await super.sort(files)).sort((a, b) => seconds(b) - seconds(a));
  }
}

// Node's on-disk code cache for every process the tests start (vitest's workers, and through them each `wrangler
// dev`, much of whose startup is loading its 10 MB of JavaScript): measured, about 0.5 of the 4 s of CPU a Worker
// start costs, some 80 times per `npm test`. Node's default folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), "node-compile-cache");

export default defineConfig({
  test: {
    include: ["{worker,action,control,cli,shared,test,scripts}/**/*.test.ts"],
    // Each Worker test file starts its own `wrangler dev` (workerd); two at a time fits 2 cores.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    sequence: { sequencer: LongestFirst },
  },
});
