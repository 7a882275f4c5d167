import { type Color, DEFAULT_THRESHOLDS, isTerminal, otherColor, STANDBY_ROUNDS } from "../../shared";
import { checkHealth, type HealthResult } from "../validation/probes";
import { type CanaryOutcome, canaryRound } from "./canary-round";
import type { Core } from "./core";
import { setFailover } from "./flag-writer";
import { type Identity, identityOf, initialStandby } from "./protection-record";

/**
 * After a failed round, health intervals before the idle color is probed again on the same release: canary
 * records land in the platform, so a standby that keeps failing is not probed at every tick.
 */
export const RETRY_AFTER_INTERVALS = 12;

const keyOf = (i: Identity) => `${i.version}|${i.configHash ?? ""}`;
const label = (i: Identity) => `${i.version ?? "?"}${i.configHash ? ` (configHash ${i.configHash})` : ""}`;

/** Why `idle` (as last checked) is not on the active color's release, or null when it is. */
function mismatch(idle: Identity, active: Identity): string | null {
  if (active.version === null) return "the active color's version is not known yet";
  if (idle.version !== active.version) return `runs ${idle.version ?? "no known version"}, not ${active.version}`;
  if (active.configHash !== null && idle.configHash !== active.configHash) {
    return `runs configHash ${idle.configHash ?? "none"}, not ${active.configHash}`;
  }
  return null;
}

/** Why a failover target lost its standing, from what the health checks already recorded (no request). */
function lostStanding(core: Core, idle: Color): string | null {
  const basis = core.s.protection.basis;
  const now = identityOf(core.s.colors[idle]);
  if (basis && basis.version !== null && keyOf(basis) !== keyOf(now)) {
    return `${idle} now runs ${label(now)}, not ${label(basis)} it was a failover target on`;
  }
  const streak = core.active.healthFailures[idle];
  if (streak >= DEFAULT_THRESHOLDS.minFailures) return `${idle} failed ${streak} health checks in a row`;
  return null;
}

/** A full round against `idle`: health with the active version, and every CANARY batch (read back with READBACK_PATH). */
async function readinessRound(core: Core, idle: Color, want: Identity): Promise<string | null> {
  const target = core.target(idle);
  const seq = ++core.s.canarySeq;
  const { readbackPath } = core.cfg;
  const [health, canaries] = await Promise.all([
    checkHealth(target, want.version),
    canaryRound(target, `standby-${idle}`, seq, readbackPath, DEFAULT_THRESHOLDS.readbackTimeoutMs),
  ]);
  return roundProblem(health, canaries, want);
}

function roundProblem(health: HealthResult, canaries: CanaryOutcome[], want: Identity): string | null {
  if (!health.ok) return health.detail;
  const m = mismatch(health, want);
  if (m) return `health ${m}`;
  const slow = DEFAULT_THRESHOLDS.maxP95Ms;
  if (health.latencyMs > slow) return `health took ${health.latencyMs} ms (over ${slow} ms)`;
  for (const { canary, sent, readback } of canaries) {
    const name = `${canary.path} ${canary.format}`;
    if (!sent.ok) return `canary ${name}: ${sent.detail}`;
    if (sent.latencyMs > slow) return `canary ${name} took ${sent.latencyMs} ms (over ${slow} ms)`;
    if (readback && !readback.ok) return `readback ${name}: ${readback.detail}`;
  }
  return null;
}

/**
 * From the alarm, after each health refresh (HEALTH_INTERVAL_MS), outside deployments. A failover target keeps
 * its standing while its health and release hold (judged on the recorded health checks, no probes); an idle
 * color without it earns it by running the active release and passing STANDBY_ROUNDS full probe rounds in a
 * row, then probes stop. Idempotent: a replayed alarm adds no round, and a repeated flag change writes nothing.
 */
export async function checkStandby(core: Core): Promise<void> {
  const d = core.s.deployment;
  // A running deployment owns the standby (its validation decides about failover).
  if (d && !isTerminal(d.status)) return;
  const active = core.s.flag.color;
  const idle = otherColor(active);
  const st = core.s.standby;
  if (core.s.flag.failover !== false) {
    const lost = lostStanding(core, idle);
    if (!lost) return;
    Object.assign(st, initialStandby());
    return setFailover(core, { on: false, why: lost });
  }
  const want = identityOf(core.s.colors[active]);
  const have = identityOf(core.s.colors[idle]);
  const off = core.s.colors[idle].health !== "healthy" ? "is not healthy" : mismatch(have, want);
  const key = keyOf(have);
  if (off || st.key !== key) {
    // Evidence counts on one release only; a change (a redeploy, a restart) may be probed at once.
    Object.assign(st, initialStandby(), { key: off ? null : key });
    if (off) return;
  }
  const now = Date.now();
  if (now < st.retryAt || now - st.lastRoundAt < core.cfg.healthIntervalMs / 2) return;
  st.lastRoundAt = now;
  const epoch = core.s.flag.epoch;
  const problem = await readinessRound(core, idle, want);
  // A deployment, a switch or a new release may have come while the probes were in flight.
  const later = core.s.deployment;
  if (core.s.flag.epoch !== epoch || (later && !isTerminal(later.status)) || st.key !== key) return;
  if (problem) {
    st.passes = 0;
    st.retryAt = now + RETRY_AFTER_INTERVALS * core.cfg.healthIntervalMs;
    st.last = `${idle} failed a readiness round on ${label(have)}: ${problem}`;
    return core.commit();
  }
  st.passes++;
  st.last = `${idle} passed ${st.passes} of ${STANDBY_ROUNDS} readiness rounds on ${label(have)}`;
  if (st.passes < STANDBY_ROUNDS) return core.commit();
  const why = `${idle} runs ${label(have)}, the active release, and passed ${STANDBY_ROUNDS} probe rounds in a row`;
  // Earned: the next time it is needed, the count starts afresh.
  Object.assign(st, initialStandby());
  await setFailover(core, { on: true, why });
}
