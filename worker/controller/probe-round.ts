import { DEFAULT_THRESHOLDS, type Deployment, quantile } from "../../shared";
import { canaryName } from "../validation/canary";
import { proveDropsDuplicates } from "../validation/idempotency";
import { checkHealth, judge, tally } from "../validation/probes";
import { canaryRound } from "./canary-round";
import { type Core, iso } from "./core";
import { setFailover } from "./flag-writer";
import { recordHealth } from "./health";
import { identityProblem, noteIdentity } from "./identity";
import { declineMirror, judgeMirror, mirrorAllows } from "./mirror-verdict";
import { addProbe } from "./probe-log";
import { beginTraffic } from "./steps";
import { breach, setStatus } from "./transitions";
import { judgeWatch, type WatchPhase } from "./watch";

export type ProbePhase = "validating" | WatchPhase;

/**
 * Second copies only to a color that drops duplicates: one that stops declaring it gets no more copies; one
 * that declares it is held to it once per deployment with READBACK_PATH (the proof's probe is recorded).
 * True when the proof failed and the deployment was ended.
 */
async function idempotencyBreach(core: Core, d: Deployment, declared: boolean, at: string): Promise<boolean> {
  if (!declared) {
    if (d.mirror?.status !== "collecting") return false;
    declineMirror(d.mirror, d.color);
    // The same flag without its mirror: routers stop copying (epoch bumped by the single writer).
    await setFailover(core, { on: false, why: core.s.protection.reason });
    return false;
  }
  const path = core.cfg.readbackPath;
  if (!path || d.probes.some((x) => x.check === "idempotency")) return false;
  const readbackMs = d.thresholds.readbackTimeoutMs ?? DEFAULT_THRESHOLDS.readbackTimeoutMs;
  const proof = await proveDropsDuplicates(core.target(d.color), path, `${d.id}-dup`, core.s.canarySeq, readbackMs);
  const now = core.s.deployment;
  if (!proof || now !== d || d.status !== "validating") return false;
  addProbe(d, {
    phase: "pre",
    check: "idempotency",
    ok: proof.ok,
    at,
    latencyMs: proof.latencyMs,
    detail: proof.detail,
  });
  if (proof.ok) return false;
  await breach(core, d, "idempotency", proof.detail);
  return true;
}

/**
 * One probe round (from the alarm): health and one canary batch per CANARY entry against the deployment's
 * color (each read back through READBACK_PATH when set), then a verdict.
 */
export async function probeRound(core: Core, id: string, phase: ProbePhase): Promise<void> {
  const dep = core.s.deployment as Deployment;
  const target = core.target(dep.color);
  const seq = ++core.s.canarySeq;
  const readbackPath = core.cfg.readbackPath;
  // Thresholds stored before readbackTimeoutMs existed lack it.
  const readbackMs = dep.thresholds.readbackTimeoutMs ?? DEFAULT_THRESHOLDS.readbackTimeoutMs;
  const [health, canaries] = await Promise.all([
    checkHealth(target, dep.version),
    canaryRound(target, id, seq, readbackPath, readbackMs),
  ]);
  // Anything may have happened while the probes were in flight (abort, rollback): re-check.
  const d = core.s.deployment;
  if (!d || d.id !== id || d.status !== phase) return;
  const p = phase === "validating" ? "pre" : "post";
  const at = iso();
  recordHealth(core, d.color, health);
  noteIdentity(d, health);
  addProbe(d, { phase: p, check: "health", ok: health.ok, at, latencyMs: health.latencyMs, detail: health.detail });
  const samples = core.s.samples;
  tally(samples, "health", "health", health);
  for (const { canary, sent, readback } of canaries) {
    const name = canaryName(canary);
    const probe = { phase: p, target: name, at } as const;
    addProbe(d, { ...probe, check: "canary", ok: sent.ok, latencyMs: sent.latencyMs, detail: sent.detail });
    tally(samples, `canary ${name}`, "canary", sent);
    if (!readback) continue;
    addProbe(d, {
      ...probe,
      check: "readback",
      ok: readback.ok,
      latencyMs: readback.latencyMs,
      detail: readback.detail,
    });
    tally(samples, `readback ${name}`, "readback", readback, false);
  }
  if (p === "pre") {
    d.summary = { samples: samples.latencies.length, errors: samples.errors, p95Ms: quantile(samples.latencies, 0.95) };
  }

  // A wrong or mixed configuration is never a fluke: stop at once (before the version, which a mix may also show).
  const config = identityProblem(d);
  if (config) {
    addProbe(d, { phase: p, check: "config", ok: false, at, detail: config });
    return breach(core, d, "config", config);
  }
  // A wrong version is never a fluke: stop at once.
  if (health.version !== null && health.version !== d.version) return breach(core, d, "health", health.detail);
  if (p === "pre" && health.ok) {
    if (await idempotencyBreach(core, d, health.dropsDuplicates, at)) return;
    // Abort, rollback or the deadline may have come during the proof.
    if (core.s.deployment !== d || d.status !== phase) return;
  }
  // Mirrored live traffic is the stronger evidence (docs/deployments.md, "Mirroring"): its failures come first.
  const m = p === "pre" && d.mirror?.status === "collecting" ? d.mirror : null;
  const mirrored = m ? judgeMirror(m, d.thresholds) : null;
  if (m && mirrored?.kind === "fail") {
    m.status = "failed";
    m.detail = mirrored.reason;
    addProbe(d, { phase: p, check: mirrored.check, ok: false, at, detail: mirrored.reason });
    return breach(core, d, mirrored.check, mirrored.reason);
  }
  const verdict = judge(samples, d.thresholds);
  if (verdict.kind === "fail") return breach(core, d, verdict.check, verdict.reason);

  if (phase !== "validating") return judgeWatch(core, d, at);
  if (verdict.kind === "pass") {
    if (!mirrorAllows(d, mirrored, Date.now())) return core.commit();
    if (m) addProbe(d, { phase: p, check: "mirror", ok: true, at, detail: m.detail });
    if (d.autoPromote) return beginTraffic(core, d, "validation passed, auto-promote");
    setStatus(d, "awaiting_promotion", "validation passed; waiting for promote");
    // A validated candidate may take failover traffic.
    return setFailover(core, { on: true, why: `${d.color} passed validation of ${d.version}` });
  }
  return core.commit();
}
