import { COLORS, type Color, DEFAULT_THRESHOLDS, type Incident, isLive, isTerminal, otherColor } from "../../shared";
import { checkHealth, type HealthResult } from "../validation/probes";
import type { Core } from "./core";
import { drainStatus } from "./drain";
import { judgeEvidence } from "./evidence";
import { refreshHealth } from "./health";
import { openIncident, raiseIncident, resolveIncident } from "./incidents";
import { RECENT_WINDOW_MS } from "./recent";
import { flipTo } from "./rollback";
import { iso } from "./time";

type Breach = Pick<Incident, "check" | "detail">;
type Response = Pick<Incident, "action" | "actionDetail">;

/**
 * From the alarm, every HEALTH_INTERVAL_MS: both colors' health, then a verdict on the active color by
 * the same rules as a watch (DEFAULT_THRESHOLDS): `minFailures` failed health checks in a row, or
 * conclusive timeouts or 5xx in what the routers reported over the last minute. A breach raises one
 * incident (and, with autoRevertActive, sends traffic back to a known-good standby).
 */
export async function watchActive(core: Core): Promise<void> {
  const health = await refreshHealth(core);
  const streaks = core.active.healthFailures;
  for (const c of COLORS) streaks[c] = health[c].ok ? 0 : streaks[c] + 1;
  const color = core.s.flag.color;
  // A color that no longer serves has no open incident.
  const left = openIncident(core, otherColor(color));
  if (left) await resolveIncident(core, left);
  // During a deployment's watch, the watch judges the color it switched to.
  const d = core.s.deployment;
  if (d && isLive(d.status)) return;
  const breach = judge(core, color, health[color]);
  const open = openIncident(core, color);
  if (!breach) {
    if (open) await resolveIncident(core, open);
    return;
  }
  if (open) return;
  const version = core.s.colors[color].version;
  const response = await respond(core, color, breach);
  const resolvedAt = response.action === "reverted" ? iso() : null;
  await raiseIncident(core, { id: crypto.randomUUID(), at: iso(), color, version, ...breach, ...response, resolvedAt });
}

function judge(core: Core, color: Color, health: HealthResult): Breach | null {
  const t = DEFAULT_THRESHOLDS;
  const streak = core.active.healthFailures[color];
  if (streak >= t.minFailures)
    return { check: "health", detail: `${streak} health checks in a row failed: ${health.detail}` };
  const v = judgeEvidence(core.active.recent.sum(color), t);
  if (v.kind !== "fail") return null;
  return { check: v.check, detail: `${v.reason} in the last ${RECENT_WINDOW_MS / 1000} s` };
}

/**
 * Why `to` is not a known-good place for the traffic of `from`: it must be the release `from` replaced
 * (the last switch was a deployment that succeeded from `to` to `from`), still within its drain window,
 * with no deployment running.
 */
function notKnownGood(core: Core, from: Color, to: Color): string | null {
  const d = core.s.deployment;
  if (d && !isTerminal(d.status)) return `deployment ${d.id} is ${d.status}`;
  if (drainStatus(to, core.s.colors[to], core.drainRules(), Date.now()) === null) {
    return `${to} is past its drain window, so not known good`;
  }
  // The last switch: standby entries record failover changes, not where traffic went.
  const last = core.s.history.find((h) => h.kind !== "standby");
  if (last?.kind !== "deployment" || last.status !== "succeeded" || last.from !== to || last.to !== from) {
    return `${to} is not the release ${from} replaced (last switch: ${last ? `${last.kind} ${last.status}` : "none"})`;
  }
  return null;
}

async function respond(core: Core, color: Color, breach: Breach): Promise<Response> {
  const none = (why: string): Response => ({ action: "none", actionDetail: why });
  if (!core.cfg.autoRevertActive) return none(`autoRevertActive is off: traffic stays on ${color}`);
  const to = otherColor(color);
  const problem = notKnownGood(core, color, to);
  if (problem) return none(`not reverted: ${problem}`);
  const epoch = core.s.flag.epoch;
  const health = await checkHealth(core.target(to), core.s.colors[to].version);
  // A deployment or another switch may have started while the health check was in flight.
  if (core.s.flag.epoch !== epoch || notKnownGood(core, color, to)) return none("not reverted: the state changed");
  if (!health.ok) return none(`not reverted: ${to} is unhealthy: ${health.detail}`);
  const reason = `automatic revert: ${color} ${breach.check} check failed: ${breach.detail}`;
  await flipTo(core, to, health.version, "rolled_back_automatically", reason, "controller (autoRevertActive)");
  core.active.recent.clear(color);
  core.active.healthFailures[color] = 0;
  return {
    action: "reverted",
    actionDetail: `traffic sent back to ${to} (${health.version}), the release ${color} replaced`,
  };
}
