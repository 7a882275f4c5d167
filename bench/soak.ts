// `npm run soak [-- --minutes 15 --interval 30 --snapshots 1,5,15 --deploy-every 0 --prefill 0 --worker ours --gc]`:
// the whole stack under steady load (400 lines/s from real shippers and the OpenTelemetry exporter) for a
// while, printing memory (RSS of the workerd processes, V8 heaps of the Worker's isolate and of the
// runtime's own) and the controller's storage over time, with heap snapshots of the Worker's isolate
// (live objects) compared by constructor. Not part of CI.
// `--worker bare` runs the same load through the bare pass-through Worker: the runtime's own baseline.
// `--gc` collects garbage in every isolate before each sample (RSS then shows what is retained).
// `--dev-traces` keeps wrangler's local trace collector on (X_LOCAL_OBSERVABILITY): it keeps every
// request's trace, a dev-only cost that would hide ours.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { StorageUse } from "../shared";
import type { Producer } from "../test/producers/producer";
import { sleep } from "../test/support/api";
import { producerReports } from "../test/support/audit";
import { rssMiB, workerdPids } from "../test/support/workerd-pid";
import { describeGrowth, type Heap, loadHeap } from "./heap";
import { Inspector, inspectorTargets } from "./inspector";
import { describeMachine } from "./machine";
import { deployCycle, deployLoop, soakProducers, startBare, startOurs } from "./soak-target";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "15" },
    interval: { type: "string", default: "30" },
    snapshots: { type: "string", default: "1,5,15" },
    "deploy-every": { type: "string", default: "0" },
    prefill: { type: "string", default: "0" },
    worker: { type: "string", default: "ours" },
    out: { type: "string" },
    "dev-traces": { type: "boolean", default: false },
    gc: { type: "boolean", default: false },
  },
});
// Read by wrangler dev, which the Worker's start inherits the environment from.
if (!values["dev-traces"]) process.env.X_LOCAL_OBSERVABILITY = "false";
const minutes = Number(values.minutes);
const intervalMs = Number(values.interval) * 1000;
const snapshotAt = values.snapshots
  .split(",")
  .filter(Boolean)
  .map((m) => Number(m) * 60_000);
const deployEveryMs = Number(values["deploy-every"]) * 1000;
const prefill = Number(values.prefill);
const bare = values.worker === "bare";
const out = values.out ?? join(import.meta.dirname, "out", `soak-${values.worker}-${Date.now()}`);
await mkdir(out, { recursive: true });

interface Sample {
  /** seconds since the load started. */
  t: number;
  userRssMiB: number;
  proxyRssMiB: number;
  /** the Worker's isolate (and its Durable Object: one isolate per Worker in workerd), as V8 has it. */
  heapUsedMiB: number;
  heapTotalMiB: number;
  /** V8 heaps of the runtime's other isolates in the same process (wrangler's entry, KV, outbound, …). */
  otherHeapsMiB: number;
  storage: StorageUse | null;
  linesPerSecond: number;
  deployCycles: number;
}

const machine = await describeMachine();
console.log(
  `soak: ${values.worker} Worker, ${minutes} min, 400 lines/s, samples every ${intervalMs / 1000} s, ` +
    `snapshots at ${values.snapshots} min; ${machine.nproc} CPUs, load ${machine.loadAtStart.toFixed(2)}; out ${out}`,
);
const target = bare ? await startBare() : await startOurs();
const samples: Sample[] = [];
const snapshots: Array<{ minute: number; liveMiB: number }> = [];
let producers: Producer[] = [];
const sessions: Array<{ id: string; inspector: Inspector }> = [];
let deploys: ReturnType<typeof deployLoop> | null = null;
try {
  if (target.stack && prefill > 0) {
    console.log(`prefill: ${prefill} deploy cycles before the load starts`);
    for (let n = 0; n < prefill; n++) {
      const outcome = await deployCycle(target.stack, n, 1).catch((e: Error) => `error: ${e.message}`);
      if (n % 10 === 9 || outcome.startsWith("error")) console.log(`  prefill cycle ${n}: ${outcome}`);
    }
  }
  const procs = await workerdPids(target.worker);
  // wrangler dev starts a new workerd when a Worker source file changes: the figures would not continue.
  const rss = (pid: number) =>
    rssMiB(pid).catch(() => {
      throw new Error(`workerd ${pid} is gone (wrangler dev restarts it when a Worker source file changes)`);
    });
  const poke = () =>
    fetch(`${target.worker.url}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.arrayBuffer());
  for (const t of await inspectorTargets(procs.user))
    sessions.push({ id: t.id, inspector: await Inspector.connect(t.webSocketDebuggerUrl, poke) });
  const ours = sessions.find((x) => x.id === `core:user:${target.name}`)?.inspector;
  if (!ours) throw new Error(`no inspector for core:user:${target.name}`);
  producers = soakProducers(target.worker.url);
  if (target.stack && deployEveryMs > 0) deploys = deployLoop(target.stack, deployEveryMs, prefill, console.log);
  const started = Date.now();
  const acked = () => producers.reduce((n, p) => n + p.stats().acked, 0);
  let last = { at: started, acked: 0 };
  let previous: { heap: Heap; minute: number } | null = null;
  const pendingSnapshots = [...snapshotAt];
  for (let next = started; next <= started + minutes * 60_000; next += intervalMs) {
    await sleep(next - Date.now());
    const now = Date.now();
    const a = acked();
    // A reading that does not come (busy machine) is left out of this sample, not waited for.
    const missing = (what: string) => (e: Error) => {
      console.log(`  (${what}: ${e.message})`);
      return null;
    };
    // --gc: every isolate collects its garbage first, so RSS and heaps show what is retained, not how
    // lazily V8 collects (it lets a heap grow to tens of MiB first, in every isolate).
    if (values.gc) await Promise.all(sessions.map((x) => x.inspector.collect()));
    const heaps = await Promise.all(
      sessions.map(async (x) => ({ id: x.id, ...(await x.inspector.heap().catch(missing(x.id))) })),
    );
    const own = heaps.find((h) => h.id === `core:user:${target.name}`);
    const s: Sample = {
      t: Math.round((now - started) / 1000),
      userRssMiB: await rss(procs.user),
      proxyRssMiB: await rss(procs.proxy),
      heapUsedMiB: own?.used ?? Number.NaN,
      heapTotalMiB: own?.total ?? Number.NaN,
      otherHeapsMiB: heaps.reduce((n, h) => n + (h === own ? 0 : (h.total ?? Number.NaN)), 0),
      storage: await target.storage().catch(missing("storage")),
      linesPerSecond: Math.round(((a - last.acked) * 1000) / Math.max(1, now - last.at)),
      deployCycles: deploys?.cycles() ?? 0,
    };
    last = { at: now, acked: a };
    samples.push(s);
    const st = s.storage ? ` storage ${s.storage.keys} keys/${s.storage.records} records/${s.storage.bytes} B` : "";
    console.log(
      `${String(s.t).padStart(5)} s  workerd user ${s.userRssMiB.toFixed(1)} MiB, proxy ${s.proxyRssMiB.toFixed(1)} MiB, ` +
        `heap ${s.heapUsedMiB.toFixed(1)}/${s.heapTotalMiB.toFixed(1)} MiB, other isolates ${s.otherHeapsMiB.toFixed(1)} MiB;${st}  ${s.linesPerSecond} lines/s acked, ${s.deployCycles} deploy cycles`,
    );
    while (pendingSnapshots.length && (pendingSnapshots[0] ?? 0) <= now - started + intervalMs / 2) {
      const minute = (pendingSnapshots.shift() ?? 0) / 60_000;
      const path = join(out, `heap-${minute}min.heapsnapshot`);
      await ours.snapshot(path);
      const heap = await loadHeap(path);
      snapshots.push({ minute, liveMiB: heap.totalBytes / 2 ** 20 });
      console.log(`heap snapshot at ${minute} min: live ${(heap.totalBytes / 2 ** 20).toFixed(2)} MiB, ${path}`);
      if (previous) console.log(`growth ${previous.minute} → ${minute} min: ${describeGrowth(previous.heap, heap)}`);
      previous = { heap, minute };
    }
  }
} finally {
  await deploys?.stop();
  const stats = await Promise.all(producers.map((p) => p.stop()));
  const reports = producerReports(target.store, stats);
  for (const r of reports)
    console.log(
      `${r.producer}: sent ${r.sent}, stored ${r.stored}, lost ${r.lost}, duplicates ${r.duplicates}, 5xx ${r["5xx"]}`,
    );
  for (const x of sessions) x.inspector.close();
  await target.stop();
  await writeFile(
    join(out, "samples.json"),
    JSON.stringify({ machine, args: values, samples, snapshots, reports }, null, 2),
  );
}

/** Least-squares slope of `value` over the last half of the run, per minute: ~0 once it has levelled off. */
function slopePerMinute(value: (s: Sample) => number): number {
  const half = samples.slice(Math.floor(samples.length / 2));
  const n = half.length;
  const mx = half.reduce((a, s) => a + s.t / 60, 0) / n;
  const my = half.reduce((a, s) => a + value(s), 0) / n;
  const sxy = half.reduce((a, s) => a + (s.t / 60 - mx) * (value(s) - my), 0);
  const sxx = half.reduce((a, s) => a + (s.t / 60 - mx) ** 2, 0);
  return sxx ? sxy / sxx : 0;
}
const trends: Array<[string, (s: Sample) => number, string]> = [
  ["workerd (user Worker) RSS", (s) => s.userRssMiB, "MiB"],
  ["workerd (wrangler proxy) RSS", (s) => s.proxyRssMiB, "MiB"],
  ["Worker isolate V8 heap (total)", (s) => s.heapTotalMiB, "MiB"],
  ["other isolates' V8 heaps", (s) => s.otherHeapsMiB, "MiB"],
  ["controller storage", (s) => (s.storage?.bytes ?? 0) / 1024, "KiB"],
];
const first = samples[0];
const mid = samples[Math.floor(samples.length / 2)];
const end = samples.at(-1);
if (first && mid && end) {
  console.log(
    `\n${"".padEnd(32)} ${`${first.t} s`.padStart(9)} ${`${mid.t} s`.padStart(9)} ${`${end.t} s`.padStart(9)}  last half`,
  );
  for (const [label, value, unit] of trends)
    console.log(
      `${label.padEnd(32)} ${[first, mid, end].map((s) => value(s).toFixed(1).padStart(9)).join(" ")}  ` +
        `${slopePerMinute(value) >= 0 ? "+" : ""}${slopePerMinute(value).toFixed(2)} ${unit}/min`,
    );
  for (const sn of snapshots) console.log(`live JS heap at ${sn.minute} min (snapshot): ${sn.liveMiB.toFixed(2)} MiB`);
}
console.log(`samples: ${join(out, "samples.json")}`);
