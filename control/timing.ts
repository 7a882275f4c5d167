import type { Convergence, Deployment } from "../shared";
import type { Log } from "./log";

export const seconds = (ms: number | null) => (ms === null ? "not yet" : `${(ms / 1000).toFixed(1)} s`);

/** How far the routers had moved to a flag epoch, and when they got there. */
export function convergenceLine(c: Convergence): string {
  const r = c.reached;
  return (
    `routers on epoch ${c.epoch} (→ ${c.color}): 50 % of traffic after ${seconds(r["50"])}, ` +
    `99 % after ${seconds(r["99"])}, 100 % after ${seconds(r["100"])}`
  );
}

/** When the watch period started counting and why, with what it judged; null before it started. */
export function watchLine(d: Deployment): string | null {
  const w = d.watch;
  if (!w?.startedAt) return null;
  const why =
    w.startedBy === "convergence" ? "99 % of router traffic on the new epoch" : "DRAIN_SECONDS passed before 99 %";
  return `watch period counted from ${w.startedAt.slice(11, 19)} (${why}); judged ${w.requests} router requests under epoch ${w.epoch}, ${w.errors5xx} 5xx`;
}

/** Logs each convergence milestone and the watch's start once, as the deployment's updates arrive. */
export function timingLogger(log: Log): (d: Deployment) => void {
  const said = new Set<string>();
  return (d) => {
    const lines = [...(d.convergence ?? []).map(convergenceLine), watchLine(d)];
    for (const line of lines) {
      if (line === null || said.has(line)) continue;
      said.add(line);
      log.info(`  ${line}`);
    }
  };
}
