// The standby rows of the fault matrix (docs/protection.md): after a failed deployment, or after a manual
// rollback, the idle color is restarted healthy on the active release and earns failover back by probes; then the
// active color hangs for 15 s, or crashes for 10 s, while the three standard producers ship through the Worker.
import { type Color, otherColor } from "../../shared";
import type { ShipperStats } from "../producers/http-shipper";
import { OtelProducer } from "../producers/otel-producer";
import { fluentBitShipper, vectorShipper } from "../producers/shippers";
import { sleep } from "./api";
import { auditStore, type ProducerAudit } from "./audit";
import { routerHealth, until } from "./matrix";
import type { Stack } from "./stack";

export const SETUPS = ["after a failed deployment", "after a manual rollback"] as const;
export type Setup = (typeof SETUPS)[number];
export const STANDBY_FAULTS = { hang: 15_000, crash: 10_000 } as const;
export type StandbyFault = keyof typeof STANDBY_FAULTS;

const DEPLOY = {
  thresholds: { probeIntervalMs: 200, minSamples: 4, maxP95Ms: 3000, minRouterRequests: 0 },
  watchSeconds: 1,
  mirrorPercent: 0,
};
const WARMUP_MS = 1000;
const STOP_TIMEOUT_MS = 45_000;

export interface StandbyCellResult {
  setup: Setup;
  fault: StandbyFault;
  audits: ProducerAudit[];
  /** from the idle color answering health on the active release to `protection.failoverTarget` naming it. */
  readyMs: number;
  failovers: number;
  /** batches the platform acked but did not store again (their key was already stored). */
  dedupedBatches: number;
  faultEvidence: number;
  seconds: number;
}

let releases = 0;

/** Deploys `version` to the idle color (retrying while it drains); returns the deployment when it ended. */
async function deploy(stack: Stack, version: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await stack.control.deploy({ version, ...DEPLOY });
    if (res.status === 201) return stack.control.waitFor(res.json.id, undefined, 60_000);
    if (res.status !== 409 || Date.now() > deadline) throw new Error(`deploy ${version}: ${JSON.stringify(res)}`);
    await sleep(250);
  }
}

/** Leaves the active color unprotected the way `setup` says; returns the idle color. */
async function unprotect(stack: Stack, setup: Setup): Promise<Color> {
  const idle = (await stack.control.state()).standby;
  const version = `s${++releases}`;
  stack.platforms[idle].setVersion(version);
  if (setup === "after a failed deployment") {
    stack.platforms[idle].setFaults({ errorRate: 1 });
    const d = await deploy(stack, version);
    if (d.status !== "failed") throw new Error(`expected ${version} to fail validation: ${d.status} ${d.reason}`);
    stack.platforms[idle].setFaults({});
    return idle;
  }
  const d = await deploy(stack, version);
  if (d.status !== "succeeded") throw new Error(`expected ${version} to succeed: ${d.status} ${d.reason}`);
  const rb = await stack.control.call("POST", "/api/rollback", { reason: "matrix: manual rollback" });
  if (rb.status !== 200) throw new Error(`rollback: ${JSON.stringify(rb.json)}`);
  return (await stack.control.state()).standby;
}

/** Restarts `color` on `version` (what restore-standby's deploy-command does); resolves once it answers health. */
async function restartOn(stack: Stack, color: Color, version: string): Promise<number> {
  const p = stack.platforms[color];
  await p.kill();
  p.setFaults({});
  p.setVersion(version);
  await p.revive();
  await until(`${color} answers health`, async () => (await fetch(`${p.url}/health`).catch(() => null))?.ok === true);
  return Date.now();
}

export async function runStandbyCell(stack: Stack, setup: Setup, fault: StandbyFault): Promise<StandbyCellResult> {
  const started = performance.now();
  await until("no color is ejected", async () => (await routerHealth(stack)).ejected.length === 0);
  const idle = await unprotect(stack, setup);
  const active = otherColor(idle);
  const state = await stack.control.state();
  if (state.protection?.failoverTarget !== null)
    throw new Error(`expected no failover target: ${JSON.stringify(state.protection)}`);
  const healthyAt = await restartOn(stack, idle, state.colors[active].version ?? "");
  await until(
    `${idle} is the failover target`,
    async () => (await stack.control.state()).protection?.failoverTarget === idle,
    60_000,
  );
  const readyMs = Date.now() - healthyAt;

  const url = stack.worker.url;
  const tag = `standby-${fault}-${setup === "after a failed deployment" ? "failed" : "rollback"}`;
  const otel = new OtelProducer({ url, producer: `${tag}-otel`, recordsPerSecond: 50 });
  const vector = vectorShipper({ url, producer: `${tag}-vector`, entriesPerSecond: 100, batchSize: 10 });
  const fluentBit = fluentBitShipper({ url, producer: `${tag}-fluentbit`, entriesPerSecond: 100, batchSize: 25 });
  const producers = [otel, vector, fluentBit];
  const deduped = () => stack.platforms.blue.stats.duplicates + stack.platforms.green.stats.duplicates;
  const dedupedBefore = deduped();
  for (const p of producers) p.start();
  await sleep(WARMUP_MS);
  const faulty = stack.platforms[active];
  const before = fault === "hang" ? faulty.stats.hung : faulty.stats.ingestRequests;
  if (fault === "hang") {
    faulty.setFaults({ hang: true });
    await sleep(STANDBY_FAULTS.hang);
    faulty.setFaults({});
  } else {
    await faulty.kill();
    await sleep(STANDBY_FAULTS.crash);
    await faulty.revive();
  }
  // Hung requests end with the fault; routers' ejection of the active color ends within EJECT_SECONDS.
  await sleep(2000);
  const stats = await Promise.all(producers.map((p) => p.stop(STOP_TIMEOUT_MS)));
  await until(
    "both origins finished their requests",
    () => stack.platforms.blue.stats.inProgress + stack.platforms.green.stats.inProgress === 0,
  );
  const shippers = stats.slice(1) as ShipperStats[];
  return {
    setup,
    fault,
    audits: auditStore(stack.store, stats),
    readyMs,
    failovers: shippers.reduce((n, s) => n + s.failovers, 0),
    dedupedBatches: deduped() - dedupedBefore,
    // A hang is counted by the platform; a crash by the shippers' failovers (the dead port counts nothing).
    faultEvidence: fault === "hang" ? faulty.stats.hung - before : shippers.reduce((n, s) => n + s.failovers, 0),
    seconds: (performance.now() - started) / 1000,
  };
}

export const STANDBY_TABLE_HEADER = [
  "| setup | fault on the active color | records sent (otel/vector/fluent-bit) | lost | stored twice | copies dropped by key | failovers the shippers saw | idle healthy → failoverTarget | s |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
];

export function standbyRow(r: StandbyCellResult): string {
  const total = (k: "lost" | "duplicates") => r.audits.reduce((n, a) => n + a[k], 0);
  const what = r.fault === "hang" ? "hangs 15 s" : "crashes for 10 s";
  return `| ${r.setup} | ${what} | ${r.audits.map((a) => a.sent).join(" / ")} | ${total("lost")} | ${total("duplicates")} | ${r.dedupedBatches} | ${r.failovers} | ${(r.readyMs / 1000).toFixed(1)} s | ${r.seconds.toFixed(1)} |`;
}
