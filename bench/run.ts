// `npm run bench`: bundle size and cold start, router cost (in workerd, and under wrangler dev), KV reads,
// switch and rollback latency, loss under load — in one run (a few minutes), written to bench/results.md
// and bench/results.html. Not part of CI.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Progress } from "../scripts/progress";
import { startStack } from "../test/support/stack";
import { html } from "./chart";
import { lossDuringRollback, ramp } from "./loss";
import { describeMachine } from "./machine";
import { type BenchResults, figures, figuresTable, markdown } from "./report";
import { measureRollback } from "./rollback";
import { measureRouterCost } from "./router-cost";
import { measureSwitch } from "./switch";

const FLAG_CACHE_MS = 1000;
const PROBE_INTERVAL_MS = 500;
const TRIALS = 5;
/** Loss is measured below the highest rate held, so the backlog stays bounded while the rollback happens. */
const LOSS_SHARE_OF_MAX = 0.8;
const HERE = import.meta.dirname;

const startedAt = new Date();
const machine = await describeMachine();
console.log(`bench: ${machine.nproc} CPUs, load ${machine.loadAtStart.toFixed(2)}, Node ${machine.node}`);
const progress = new Progress(8);
const step = (title: string) => progress.step(title);

const router = await measureRouterCost(
  {
    rounds: 5,
    devRounds: 3,
    load: { connections: 10, seconds: 5 },
    warmupSeconds: 2,
    rateRounds: 8,
    rate: 150,
    flagCacheMs: FLAG_CACHE_MS,
    coldStarts: 5,
    log: (line) => console.log(line),
  },
  step,
);

step("local stack (wrangler dev, stand-in platform); switch latency (manual promote)");
const stack = await startStack({ vars: { FLAG_CACHE_MS: String(FLAG_CACHE_MS) } });
let results: BenchResults;
try {
  const switches = await measureSwitch(stack, TRIALS, FLAG_CACHE_MS);
  step("rollback latency (origin turns unhealthy while watching)");
  const rollbacks = await measureRollback(stack, TRIALS, PROBE_INTERVAL_MS, FLAG_CACHE_MS);
  step("ramp (highest steady rate through router → platform)");
  const steps = await ramp(stack);
  const maxHeld = steps.filter((s) => s.held).at(-1)?.rate ?? steps[0]?.rate ?? 0;
  const rate = Math.round(maxHeld * LOSS_SHARE_OF_MAX);
  step(`loss during deploy + automatic rollback at ${rate} entries/s`);
  const loss = await lossDuringRollback(stack, rate, PROBE_INTERVAL_MS, FLAG_CACHE_MS);
  results = {
    startedAt,
    seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    command: "npm run bench",
    machine,
    flagCacheMs: FLAG_CACHE_MS,
    probeIntervalMs: PROBE_INTERVAL_MS,
    router,
    switches,
    rollbacks,
    ramp: steps,
    loss,
  };
} finally {
  await stack.stop();
}

step("report");
const notes = await readFile(join(HERE, "notes.md"), "utf8");
await writeFile(join(HERE, "results.md"), markdown(results, notes));
await writeFile(join(HERE, "results.html"), html(results));
// Raw figures (git-ignored), to look into a run or redraw the report without re-running it.
await mkdir(join(HERE, "out"), { recursive: true });
await writeFile(join(HERE, "out/results.json"), JSON.stringify(results, null, 2));
console.log(`\n${figuresTable(figures(results))}\n\nwritten: bench/results.md (${results.seconds} s). HTML report:`);
console.log(join(HERE, "results.html"));
