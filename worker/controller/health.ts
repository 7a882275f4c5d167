import { COLORS, type Color } from "../../shared";
import { checkHealth } from "../probes";
import { type Core, iso } from "./core";
import { reconcileFlag } from "./reconcile";

export const HEALTH_REFRESH_MS = 5000;

export function recordHealth(core: Core, color: Color, healthy: boolean, version: string | null): void {
  const r = core.s.colors[color];
  r.health = healthy ? "healthy" : "unhealthy";
  if (version !== null) r.version = version;
  r.checkedAt = iso();
}

export async function refreshHealth(core: Core): Promise<void> {
  const signature = () => COLORS.map((c) => `${core.s.colors[c].health}:${core.s.colors[c].version}`).join();
  const before = signature();
  const results = await Promise.all(COLORS.map((c) => checkHealth(core.target(c), null)));
  COLORS.forEach((c, i) => {
    const r = results[i];
    if (r) recordHealth(core, c, r.ok, r.version);
  });
  // Tell subscribers only when something they show changed.
  if (signature() !== before) await core.commit();
  else await core.persist();
  await reconcileFlag(core);
}

/** When the least recently checked color was checked (0 when one never was). */
export function oldestHealthCheck(core: Core): number {
  return Math.min(...COLORS.map((c) => Date.parse(core.s.colors[c].checkedAt ?? "") || 0));
}

export async function refreshHealthIfStale(core: Core): Promise<void> {
  if (Date.now() - oldestHealthCheck(core) > HEALTH_REFRESH_MS) await refreshHealth(core);
}
