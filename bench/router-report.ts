// The router-cost part of the report: figures against targets, and the tables behind them.
import { BUNDLE_BUDGET_BYTES, kib } from "../scripts/worker-bundle";
import { type Figure, med, NO_TARGET, row, spread } from "./figure";
import {
  BEFORE_ZERO_LOSS,
  type ColdStart,
  MIRROR_PERCENT,
  type Round,
  type Rounds,
  type RouterCost,
  TARGETS,
  type Target,
  VARIANTS,
  type Variant,
  type WorkerName,
} from "./router-cost";

export interface TargetSummary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

const summary = (rs: readonly Round[]): TargetSummary => ({
  rps: med(rs.map((r) => r.rps)),
  p50Ms: med(rs.map((r) => r.p50Ms)),
  p99Ms: med(rs.map((r) => r.p99Ms)),
  failures: rs.reduce((n, r) => n + r.failures, 0),
});

export function summarize(rounds: Rounds): Record<Target, TargetSummary> {
  const out = {} as Record<Target, TargetSummary>;
  for (const t of TARGETS) out[t] = summary(rounds[t]);
  return out;
}

/** Two targets round by round: the rounds were interleaved, so each pair saw the same background. */
const paired = (as: readonly Round[], bs: readonly Round[], f: (a: Round, b: Round) => number | null) =>
  as.flatMap((a, i) => {
    const b = bs[i];
    const v = b ? f(a, b) : null;
    return v === null ? [] : [v];
  });

const rpsRatio = (a: Round, b: Round) => a.rps / b.rps;
const cpuDiff = (a: Round, b: Round) => (a.cpuUs === null || b.cpuUs === null ? null : a.cpuUs - b.cpuUs);

export const throughputRatios = (rounds: Rounds) => paired(rounds.router, rounds.bare, rpsRatio);
export const cpuAdded = (rounds: Rounds) => paired(rounds.router, rounds.bare, cpuDiff);

/**
 * The router against one of its variants: throughput ratio and CPU µs per request added in the closed-loop
 * rounds, and CPU added in the fixed-rate rounds (all Workers at once: the CPU figure to trust on a busy machine).
 */
function versus(c: RouterCost, v: Variant): { ratios: number[]; added: number[]; addedAtRate: number[] } | null {
  const rounds = c.variants[v];
  if (!rounds) return null;
  return {
    ratios: paired(c.workerd.router, rounds, rpsRatio),
    added: paired(c.workerd.router, rounds, cpuDiff),
    addedAtRate: paired(c.atRate.router ?? [], c.atRate[v] ?? [], cpuDiff),
  };
}

/** CPU per request the router adds over bare in the fixed-rate rounds. */
const addedAtRate = (c: RouterCost) => paired(c.atRate.router ?? [], c.atRate.bare ?? [], cpuDiff);

/** FLAG_FAST_PATH on against off (issue 17), and the router against the one before the zero-loss changes (issue 10). */
function variantFigures(c: RouterCost): Figure[] {
  const figs: Figure[] = [];
  const rate = `${c.load.rate} req/s each, all at once`;
  const fast = versus(c, "fastPathOff");
  if (fast)
    figs.push({
      name: `FLAG_FAST_PATH on / off, workerd: throughput (closed loop); CPU per request on − off (at ${rate}); paired rounds`,
      value: `${spread(fast.ratios, 2)}; ${spread(fast.addedAtRate, 0, " µs")}`,
      target: "within the router budget (≈ 0 µs)",
      met: null,
    });
  const mirror = versus(c, "mirroring");
  if (mirror) {
    const p99 = (rs: Round[] | undefined) => summary(rs ?? []).p99Ms;
    figs.push({
      name: `Router with mirroring (${MIRROR_PERCENT} % copied) / router, workerd: client throughput; client p99 ms; CPU per request added (paired rounds)`,
      value: `${spread(
        mirror.ratios.map((r) => 1 / r),
        2,
      )}; p99 ${p99(c.variants.mirroring)} vs ${p99(c.workerd.router)}; ${spread(
        mirror.added.map((a) => -a),
        0,
        " µs",
      )}`,
      target: "client throughput and p99 within noise (copies go after the answer)",
      met: null,
    });
  }
  const zeroLoss = versus(c, "beforeZeroLoss");
  figs.push({
    name: `Router now / before the zero-loss changes (${BEFORE_ZERO_LOSS}), workerd: throughput (closed loop); CPU per request now − then (at ${rate}); paired rounds`,
    value: zeroLoss
      ? `${spread(zeroLoss.ratios, 2)}; ${spread(zeroLoss.addedAtRate, 0, " µs")}`
      : "not measured (commit not in this clone)",
    target: "≥ 0.97 (≤ 3 % throughput)",
    met: zeroLoss ? med(zeroLoss.ratios) >= 0.97 : null,
  });
  return figs;
}

const cpu = (starts: readonly ColdStart[], phase: keyof ColdStart) => starts.map((s) => s[phase].cpuMs);
const wall = (starts: readonly ColdStart[], phase: keyof ColdStart) => starts.map((s) => s[phase].ms);

export function routerFigures(c: RouterCost): Figure[] {
  const w = summarize(c.workerd);
  const ratios = throughputRatios(c.workerd);
  const added = cpuAdded(c.workerd);
  const bareCpu = med(c.workerd.bare.flatMap((r) => (r.cpuUs === null ? [] : [r.cpuUs])));
  const failures = [c.workerd, c.dev]
    .flatMap((rs) => TARGETS.flatMap((t) => rs[t]))
    .reduce((n, r) => n + r.failures, 0);
  const kv = c.kv;
  const expectedPerSecond = 1000 / kv.flagCacheMs;
  // One window per FLAG_CACHE_MS, plus one read where each measured run starts mid-window.
  const allowedReads = Math.ceil(kv.seconds * expectedPerSecond) + c.load.rounds;
  const cold = c.coldStarts;
  return [
    {
      name: "Router / bare Worker throughput, workerd (median of rounds, min–max)",
      value: spread(ratios, 2),
      target: "≥ 0.95",
      met: med(ratios) >= 0.95,
    },
    {
      name: `CPU per request the router adds, workerd (paired rounds, median, min–max): closed loop; at ${c.load.rate} req/s each, all at once`,
      value:
        `${spread(added, 0, " µs")} on the bare Worker's ${bareCpu.toFixed(0)} µs; ` +
        `${spread(addedAtRate(c), 0, " µs")} on ${med((c.atRate.bare ?? []).flatMap((r) => (r.cpuUs === null ? [] : [r.cpuUs]))).toFixed(0)} µs`,
      target: NO_TARGET,
      met: null,
    },
    ...variantFigures(c),
    {
      name: "p99 added by the router (vs bare Worker), workerd",
      value: `${(w.router.p99Ms - w.bare.p99Ms).toFixed(0)} ms (p50 ${(w.router.p50Ms - w.bare.p50Ms).toFixed(0)} ms)`,
      target: "≤ 1 ms",
      met: w.router.p99Ms - w.bare.p99Ms <= 1,
    },
    {
      name: "Router / bare Worker throughput, wrangler dev (median of rounds, min–max)",
      value: spread(throughputRatios(c.dev), 2),
      target: NO_TARGET,
      met: null,
    },
    { name: "Load failures (non-2xx + errors), all runs", value: String(failures), target: "0", met: failures === 0 },
    {
      name: "KV flag reads under load (workerd)",
      value: `${kv.reads} reads / ${kv.requests} requests = ${(kv.reads / kv.requests).toFixed(5)} per request; ${(kv.reads / kv.seconds).toFixed(2)}/s over ${kv.seconds} s`,
      target: `≤ 1 per FLAG_CACHE_MS (${expectedPerSecond.toFixed(2)}/s; ≤ ${allowedReads} reads)`,
      met: kv.reads <= allowedReads,
    },
    {
      name: "Worker bundle (`wrangler deploy --dry-run`, all modules)",
      value: `${kib(c.bundles.router.totalBytes)} (gzip ${kib(c.bundles.router.gzipBytes)})`,
      target: `≤ ${kib(BUNDLE_BUDGET_BYTES)} (\`npm run check\`)`,
      met: c.bundles.router.totalBytes <= BUNDLE_BUDGET_BYTES,
    },
    {
      name: `Cold start in workerd, CPU: start with the Worker loaded; first request (${cold.router.length} starts)`,
      value:
        `${spread(cpu(cold.router, "start"), 0, " ms")}; ${spread(cpu(cold.router, "firstRequest"), 1, " ms")} ` +
        `(bare Worker ${spread(cpu(cold.bare, "start"), 0, " ms")}; ${spread(cpu(cold.bare, "firstRequest"), 1, " ms")})`,
      target: NO_TARGET,
      met: null,
    },
  ];
}

const VARIANT_LABELS: Record<Variant, string> = {
  fastPathOff: "router, FLAG_FAST_PATH=off",
  mirroring: `router mirroring ${MIRROR_PERCENT} % of ingest`,
  beforeZeroLoss: `router at ${BEFORE_ZERO_LOSS} (before zero-loss)`,
};

function loadTable(rounds: Rounds, variants: RouterCost["variants"] = {}): string {
  const lines: [string, Round[]][] = [
    ["router", rounds.router],
    ...VARIANTS.flatMap((v): [string, Round[]][] => {
      const rs = variants[v];
      return rs ? [[VARIANT_LABELS[v], rs]] : [];
    }),
    ["bare", rounds.bare],
    ["direct", rounds.direct],
  ];
  const withCpu = rounds.router.some((r) => r.cpuUs !== null);
  const cpu = (rs: Round[]) => rs.flatMap((r) => (r.cpuUs === null ? [] : [r.cpuUs]));
  return [
    row(["target", "req/s median (min–max)", "p50 ms", "p99 ms", ...(withCpu ? ["CPU µs/request"] : []), "failures"]),
    row(["---", "---:", "---:", "---:", ...(withCpu ? ["---:"] : []), "---:"]),
    ...lines.map(([name, rs]) => {
      const s = summary(rs);
      const rps = spread(rs.map((r) => r.rps));
      return row([
        name,
        rps,
        s.p50Ms,
        s.p99Ms,
        ...(withCpu ? [name === "direct" ? "—" : spread(cpu(rs))] : []),
        s.failures,
      ]);
    }),
  ].join("\n");
}

function rateTable(c: RouterCost): string {
  const names: [WorkerName | Variant, string][] = [
    ["router", "router"],
    ...VARIANTS.map((v): [Variant, string] => [v, VARIANT_LABELS[v]]),
    ["bare", "bare"],
  ];
  const bare = c.atRate.bare ?? [];
  return [
    row(["Worker", "req/s", "p99 ms", "CPU µs/request", "CPU vs bare (paired)"]),
    row(["---", "---:", "---:", "---:", "---:"]),
    ...names.flatMap(([n, label]) => {
      const rs = c.atRate[n];
      if (!rs) return [];
      const cpu = rs.flatMap((r) => (r.cpuUs === null ? [] : [r.cpuUs]));
      return [
        row([
          label,
          spread(rs.map((r) => r.rps)),
          med(rs.map((r) => r.p99Ms)),
          spread(cpu),
          spread(paired(rs, bare, cpuDiff), 0, " µs"),
        ]),
      ];
    }),
  ].join("\n");
}

/** The router-cost sections of results.md. */
export function routerSections(c: RouterCost): string {
  const l = c.load;
  const cold = (w: "router" | "bare") => {
    const starts = c.coldStarts[w];
    const b = c.bundles[w];
    return row([
      w,
      kib(b.entryBytes),
      kib(b.totalBytes),
      kib(b.gzipBytes),
      spread(cpu(starts, "start"), 0, " ms"),
      spread(wall(starts, "start"), 0, " ms"),
      spread(cpu(starts, "firstRequest"), 1, " ms"),
      spread(wall(starts, "firstRequest"), 1, " ms"),
    ]);
  };
  const perRound = (xs: number[], f: (x: number) => string) => xs.map(f).join(", ");
  const ratio = (x: number) => x.toFixed(2);
  const us = (x: number) => `${x.toFixed(0)} µs`;
  const fast = versus(c, "fastPathOff");
  const zeroLoss = versus(c, "beforeZeroLoss");
  return `## Router cost in workerd (the deployed bundle through Miniflare, direct socket; ${l.rounds} rounds × ${l.seconds} s, targets interleaved in alternating order${l.pinned ? "; each workerd alone on core 1, the load generator and the origin on core 0" : ""})

${loadTable(c.workerd, c.variants)}

Per round (paired): router / bare throughput ${perRound(throughputRatios(c.workerd), ratio)}; CPU the router adds over bare ${perRound(cpuAdded(c.workerd), us)}.${
    fast
      ? ` Fast path on / off: throughput ${perRound(fast.ratios, ratio)}; CPU on − off ${perRound(fast.added, us)}.`
      : ""
  }${
    zeroLoss
      ? ` Router now / at ${BEFORE_ZERO_LOSS}: throughput ${perRound(zeroLoss.ratios, ratio)}; CPU now − then ${perRound(zeroLoss.added, us)}.`
      : ""
  }

## The same Workers at a fixed rate (${l.rateRounds} rounds × ${l.seconds} s, all at once, ${l.rate} req/s each)

Every Worker under the same background in the same window, so CPU per request compares across them even when
the machine is busy (throughput is fixed here; the closed-loop rounds above give it).

${rateTable(c)}

## Router cost under wrangler dev (${l.devRounds} rounds × ${l.seconds} s; dev proxy, inspector and request log included)

${loadTable(c.dev)}

## Bundle and cold start (workerd, ${c.coldStarts.router.length} starts each, alternating)

workerd's CPU time (from /proc, so other load on the machine barely moves it) and wall-clock time; "start" is
\`new Miniflare\` until the Worker listens (workerd itself, Miniflare's own Workers, then our script's compile
and top-level run), "first request" the first \`POST /ingest\` after that. Medians (min–max).

${row(["Worker", "entry module", "all modules", "gzip", "start CPU", "start wall", "first request CPU", "first request wall"])}
${row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"])}
${cold("router")}
${cold("bare")}`;
}
