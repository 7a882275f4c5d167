import { COLORS, type Color } from "../../shared";
import { checkHealth, type HealthResult } from "../validation/probes";
import { type Core, iso } from "./core";
import { reconcileFlag } from "./reconcile";

export function recordHealth(core: Core, color: Color, h: HealthResult): void {
  const r = core.s.colors[color];
  r.health = h.ok ? "healthy" : "unhealthy";
  if (h.version !== null) r.version = h.version;
  if (h.version !== null) r.configHash = h.configHash;
  r.checkedAt = iso();
}

/** Checks both colors' health and records it; answers what each check said. */
export async function refreshHealth(core: Core): Promise<Record<Color, HealthResult>> {
  const signature = () =>
    COLORS.map((c) => `${core.s.colors[c].health}:${core.s.colors[c].version}:${core.s.colors[c].configHash}`).join();
  const before = signature();
  const [blue, green] = await Promise.all(COLORS.map((c) => checkHealth(core.target(c), null)));
  const results = { blue, green } as Record<Color, HealthResult>;
  for (const c of COLORS) recordHealth(core, c, results[c]);
  // Tell subscribers only when something they show changed.
  if (signature() !== before) await core.commit();
  else await core.persist();
  await reconcileFlag(core);
  return results;
}

/** When the least recently checked color was checked (0 when one never was). */
export function oldestHealthCheck(core: Core): number {
  return Math.min(...COLORS.map((c) => Date.parse(core.s.colors[c].checkedAt ?? "") || 0));
}

export async function refreshHealthIfStale(core: Core): Promise<void> {
  if (Date.now() - oldestHealthCheck(core) > core.cfg.healthIntervalMs) await refreshHealth(core);
}
