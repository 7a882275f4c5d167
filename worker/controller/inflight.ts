import type { Color } from "../../shared";
import type { Core } from "./core";
import { askingInflight, type InflightReport } from "./drain";

/** How often draining colors are asked for their in-flight work (with DRAIN_PATH). */
export const INFLIGHT_POLL_MS = 1000;

/** GET `origin + DRAIN_PATH`: a 200 with a non-negative integer `inflight`, else a failed ask. */
export async function askInflight(origin: string, path: string, timeoutMs: number): Promise<InflightReport> {
  const failed = (error: string): InflightReport => ({ count: null, at: Date.now(), error });
  try {
    const res = await fetch(`${origin.replace(/\/$/, "")}${path}`, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => null)) as { inflight?: unknown } | null;
    if (res.status !== 200) return failed(`${path} returned ${res.status}`);
    const n = body?.inflight;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) return failed(`${path} has no inflight count`);
    return { count: n, at: Date.now(), error: null };
  } catch (e) {
    return failed(`${path} unreachable: ${(e as Error).message}`);
  }
}

/** Asks every draining color for its in-flight work and records the answers; true when one changed. */
export async function pollInflight(core: Core): Promise<boolean> {
  const { drainPath, originTimeoutMs, origins } = core.cfg;
  core.drainPollAt = Date.now() + INFLIGHT_POLL_MS;
  const colors = askingInflight(core.s.colors, core.drainRules(), Date.now());
  if (drainPath === null || colors.length === 0) return false;
  const reports = await Promise.all(colors.map((c) => askInflight(origins[c], drainPath, originTimeoutMs)));
  let changed = false;
  colors.forEach((c: Color, i) => {
    const r = core.s.colors[c];
    const report = reports[i] as InflightReport;
    // A switch while the ask was in flight restarted this color's drain (or ended it): the answer is stale.
    if (r.lostTrafficAt === null || r.lostTrafficAt > report.at) return;
    changed ||= r.inflight?.count !== report.count || r.inflight?.error !== report.error;
    r.inflight = report;
  });
  return changed;
}
