import { quantile } from "../shared";
import { BATCH_ENTRIES } from "./load";
import { type LossRun, type RampStep, SHIPPERS } from "./loss";
import type { Machine } from "./machine";
import type { RollbackTrial } from "./rollback";
import { type RouterCost, TARGETS, type Target } from "./router-cost";
import type { SwitchTrial } from "./switch";

export interface BenchResults {
  startedAt: Date;
  seconds: number;
  command: string;
  machine: Machine;
  flagCacheMs: number;
  probeIntervalMs: number;
  router: RouterCost;
  switches: SwitchTrial[];
  rollbacks: RollbackTrial[];
  ramp: RampStep[];
  loss: LossRun;
}

/** One line of the results table; `met` is null for figures the contract sets no target for. */
export interface Figure {
  name: string;
  value: string;
  target: string;
  met: boolean | null;
}

const med = (xs: readonly number[]) => quantile(xs, 0.5) ?? Number.NaN;
/** The worst trial; infinite when a trial never completed. */
export const worst = (xs: readonly (number | null)[]) =>
  xs.some((x) => x === null) ? Number.POSITIVE_INFINITY : Math.max(...(xs as number[]));
const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : "not seen");
const list = (xs: readonly (number | null)[]) => xs.map((x) => (x === null ? "—" : Math.round(x))).join(", ");

export interface TargetSummary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

export function summarize(router: RouterCost): Record<Target, TargetSummary> {
  const out = {} as Record<Target, TargetSummary>;
  for (const t of TARGETS) {
    const rs = router.rounds[t];
    out[t] = {
      rps: med(rs.map((r) => r.rps)),
      p50Ms: med(rs.map((r) => r.p50Ms)),
      p99Ms: med(rs.map((r) => r.p99Ms)),
      failures: rs.reduce((n, r) => n + r.failures, 0),
    };
  }
  return out;
}

export function figures(r: BenchResults): Figure[] {
  const s = summarize(r.router);
  const kv = r.router.kv;
  const expectedPerSecond = 1000 / kv.flagCacheMs;
  // One window per FLAG_CACHE_MS, plus one read where each measured run starts mid-window.
  const allowedReads = Math.ceil(kv.seconds * expectedPerSecond) + r.router.load.rounds;
  const switchBound = r.flagCacheMs + 100;
  const probeBound = r.probeIntervalMs + 100;
  const servedBound = r.probeIntervalMs + r.flagCacheMs + 100;
  const sw = r.switches.map((t) => t.ms);
  const revert = r.rollbacks.map((t) => t.revertMs);
  const flag = r.rollbacks.map((t) => t.detectMs + t.revertMs);
  const served = r.rollbacks.map((t) => t.servedMs);
  const held = r.ramp.filter((x) => x.held).at(-1);
  const none = "none (informative)";
  return [
    {
      name: "Router / bare Worker throughput",
      value: (s.router.rps / s.bare.rps).toFixed(2),
      target: "≥ 0.95",
      met: s.router.rps / s.bare.rps >= 0.95,
    },
    { name: "Bare Worker / direct throughput", value: (s.bare.rps / s.direct.rps).toFixed(2), target: none, met: null },
    {
      name: "p99 added by the router (vs bare Worker)",
      value: `${(s.router.p99Ms - s.bare.p99Ms).toFixed(0)} ms (p50 ${(s.router.p50Ms - s.bare.p50Ms).toFixed(0)} ms)`,
      target: "≤ 1 ms",
      met: s.router.p99Ms - s.bare.p99Ms <= 1,
    },
    {
      name: "Load failures (non-2xx + errors), all targets",
      value: String(s.router.failures + s.bare.failures + s.direct.failures),
      target: "0",
      met: s.router.failures + s.bare.failures + s.direct.failures === 0,
    },
    {
      name: "KV flag reads under load",
      value: `${kv.reads} reads / ${kv.requests} requests = ${(kv.reads / kv.requests).toFixed(5)} per request; ${(kv.reads / kv.seconds).toFixed(2)}/s over ${kv.seconds} s`,
      target: `≤ 1 per FLAG_CACHE_MS (${expectedPerSecond.toFixed(2)}/s; ≤ ${allowedReads} reads)`,
      met: kv.reads <= allowedReads,
    },
    {
      name: `Switch: promote answered → 100% on new color (${sw.length} trials)`,
      value: `median ${ms(med(sw.filter((x) => x !== null)))}, max ${ms(worst(sw))} [${list(sw)}]`,
      target: `≤ FLAG_CACHE_MS + 100 = ${switchBound} ms`,
      met: worst(sw) <= switchBound,
    },
    {
      name: `Rollback: first failing probe → flag reverted (${revert.length} trials)`,
      value: `median ${ms(med(revert))}, max ${ms(worst(revert))} [${list(revert)}]`,
      target: `≤ probe interval + 100 = ${probeBound} ms`,
      met: worst(revert) <= probeBound,
    },
    {
      name: "Rollback: origin fails (T0) → flag reverted",
      value: `median ${ms(med(flag))}, max ${ms(worst(flag))} [${list(flag)}]`,
      target: `≤ probe interval + 100 = ${probeBound} ms`,
      met: worst(flag) <= probeBound,
    },
    {
      name: "Rollback: T0 → routers serve the previous color",
      value: `median ${ms(med(served.filter((x) => x !== null)))}, max ${ms(worst(served))} [${list(served)}]`,
      target: `≤ probe interval + FLAG_CACHE_MS + 100 = ${servedBound} ms`,
      met: worst(served) <= servedBound,
    },
    {
      name: "Highest steady rate (ramp, via router → platform store)",
      value: held ? `${held.rate} entries/s (${held.ackedPerSecond} acked/s)` : `below ${r.ramp[0]?.rate} entries/s`,
      target: none,
      met: null,
    },
    {
      name: `Loss during deploy + automatic rollback at ${r.loss.rate} entries/s`,
      value: `${r.loss.lost} lost, ${r.loss.duplicates} duplicated of ${r.loss.sent} sent (${r.loss.acked} acked, ${r.loss.stored} stored, ${r.loss.dropped} dropped; ${r.loss.errors5xx} 5xx retried)`,
      target: "0 lost, 0 duplicated, 0 dropped",
      met: r.loss.lost === 0 && r.loss.duplicates === 0 && r.loss.dropped === 0,
    },
  ];
}

const verdict = (met: boolean | null) => (met === null ? "—" : met ? "met" : "**MISSED**");
const row = (cells: readonly (string | number)[]) => `| ${cells.join(" | ")} |`;

/** The figures table (also what the terminal shows). */
export function figuresTable(figs: readonly Figure[]): string {
  return [
    row(["figure", "value", "target", "met"]),
    row(["---", "---", "---", "---"]),
    ...figs.map((f) => row([f.name, f.value, f.target, verdict(f.met)])),
  ].join("\n");
}

function routerTable(r: BenchResults): string {
  const s = summarize(r.router);
  return [
    row(["target", "req/s (median)", "p50 ms", "p99 ms", "failures", "req/s per round"]),
    row(["---", "---:", "---:", "---:", "---:", "---"]),
    ...TARGETS.map((t) =>
      row([
        t,
        s[t].rps.toFixed(0),
        s[t].p50Ms,
        s[t].p99Ms,
        s[t].failures,
        r.router.rounds[t].map((x) => x.rps.toFixed(0)).join(", "),
      ]),
    ),
  ].join("\n");
}

export function markdown(r: BenchResults, notes: string): string {
  const m = r.machine;
  const l = r.router.load;
  const figs = figures(r);
  return `# Benchmarks

Generated by \`${r.command}\` — do not edit by hand (the analysis below comes from \`bench/notes.md\`).

| | |
|---|---|
| date | ${r.startedAt.toISOString()} (run took ${r.seconds} s) |
| machine | ${m.nproc} CPUs, ${m.memoryGiB} GiB RAM, ${m.cpu}; 1-min load average at start ${m.loadAtStart.toFixed(2)} |
| versions | Node ${m.node}, wrangler ${m.wrangler}, workerd ${m.workerd} |
| command | \`${r.command}\` |
| settings | FLAG_CACHE_MS ${r.flagCacheMs}, probe interval ${r.probeIntervalMs} ms (rollback trials), router load ${l.connections} connections × ${l.seconds} s × ${l.rounds} interleaved rounds, ${l.batchBytes}-byte ${BATCH_ENTRIES}-entry NDJSON batches |

## Figures and targets

${figuresTable(figs)}

## Router cost (POST /ingest, autocannon, rounds interleaved router → bare → direct)

${routerTable(r)}

## Ramp (${SHIPPERS} HTTP shippers, ${BATCH_ENTRIES}-entry batches, ${r.ramp.length} steps)

${row(["offered entries/s", "acked entries/s", "held"])}
${row(["---:", "---:", "---"])}
${r.ramp.map((x) => row([x.rate, x.ackedPerSecond, x.held ? "yes" : "no"])).join("\n")}

Loss run: ${r.loss.seconds} s at ${r.loss.rate} entries/s; served by ${JSON.stringify(r.loss.servedBy)}; ${r.loss.retries} retries; deployment ${r.loss.deployment}.

${notes.trim()}
`;
}
