import { type Deployment, quantile } from "../../shared";
import { checkHealth, judge, sendCanary } from "../probes";
import { type Core, iso } from "./core";
import { recordHealth } from "./health";
import { addProbe, breach, finish, setStatus, switchTo } from "./transitions";

/** One probe round (from the alarm): health and a canary batch against the deployment's color, then a verdict. */
export async function probeRound(core: Core, id: string, phase: "validating" | "watching"): Promise<void> {
  const dep = core.s.deployment as Deployment;
  const target = core.target(dep.color);
  const seq = ++core.s.canarySeq;
  const [health, canary] = await Promise.all([checkHealth(target, dep.version), sendCanary(target, id, seq)]);
  // Anything may have happened while the probes were in flight (abort, rollback): re-check.
  const d = core.s.deployment;
  if (!d || d.id !== id || d.status !== phase) return;
  const p = phase === "validating" ? "pre" : "post";
  const at = iso();
  recordHealth(core, d.color, health.ok, health.version);
  addProbe(d, { phase: p, check: "health", ok: health.ok, at, latencyMs: health.latencyMs, detail: health.detail });
  addProbe(d, { phase: p, check: "canary", ok: canary.ok, at, latencyMs: canary.latencyMs, detail: canary.detail });
  const samples = core.s.samples;
  samples.latencies.push(health.latencyMs, canary.latencyMs);
  samples.errors += Number(!health.ok) + Number(!canary.ok);
  if (p === "pre") {
    d.summary = { samples: samples.latencies.length, errors: samples.errors, p95Ms: quantile(samples.latencies, 0.95) };
  }

  // A wrong version is never a fluke: stop at once.
  if (health.version !== null && health.version !== d.version) return breach(core, d, "health", health.detail);
  const verdict = judge(samples, d.thresholds);
  if (verdict.kind === "fail") return breach(core, d, verdict.check, verdict.reason);

  if (phase === "validating") {
    if (verdict.kind === "pass") {
      if (d.autoPromote) return switchTo(core, d, "validation passed, auto-promote");
      setStatus(d, "awaiting_promotion", "validation passed; waiting for promote");
    }
    return core.commit();
  }

  const live = core.watched;
  if (live.requests >= d.thresholds.minRouterRequests && live.requests > 0) {
    const rate = live.errors5xx / live.requests;
    const okRate = rate <= d.thresholds.maxErrorRate;
    const detail = `router 5xx ${(rate * 100).toFixed(1)}% (${live.errors5xx}/${live.requests})`;
    addProbe(d, { phase: "post", check: "router_5xx", ok: okRate, at, detail });
    if (!okRate)
      return breach(core, d, "router_5xx", `${detail} over ${(d.thresholds.maxErrorRate * 100).toFixed(1)}%`);
  }
  if (Date.now() - Date.parse(d.promotedAt ?? at) >= d.watchSeconds * 1000) {
    return finish(core, d, "succeeded", `watched ${d.watchSeconds}s without breach`);
  }
  return core.commit();
}
