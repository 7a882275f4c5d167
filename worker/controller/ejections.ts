import { COLORS, type Color, type CounterFlush, type Deployment, isLive, otherColor } from "../../shared";
import { notify } from "../notify/task";
import type { Core } from "./core";
import { addProbe } from "./probe-log";
import { iso } from "./time";

/** Ejections of one color reported within this long of the last probe that named it fold into that probe. */
const FOLD_MS = 10_000;
/** After the first ejection of a color, more within this long raise no second notification (no alert storm). */
export const SURGE_QUIET_MS = 5 * 60_000;

/**
 * Outlier ejections the routers report (DESIGN.md): during a deployment's watch they are written into its
 * record (counted per color in `watch.ejections`, and as a `router_ejections` probe, folded per color
 * over FOLD_MS so a storm cannot push the watch's other probes out); at any time, the first ejection of
 * a color after SURGE_QUIET_MS raises one notification.
 */
export function takeEjections(core: Core, batch: CounterFlush, now: number): void {
  const d = core.s.deployment;
  for (const color of COLORS) {
    const n = batch.colors[color].ejections ?? 0;
    if (n === 0) continue;
    if (d?.watch && isLive(d.status) && batch.epoch === d.watch.epoch) noteInWatch(d, color, n, now);
    surge(core, color, n, batch.epoch, now);
  }
}

function noteInWatch(d: Deployment, color: Color, n: number, now: number): void {
  const watch = d.watch;
  if (!watch) return;
  const counts = { ...watch.ejections, [color]: (watch.ejections?.[color] ?? 0) + n };
  watch.ejections = counts;
  const last = d.probes.findLast((p) => p.phase === "post" && p.check === "router_ejections" && p.target === color);
  const folded = last && now - Date.parse(last.at) < FOLD_MS ? last : null;
  const total = counts[color];
  const detail = `routers ejected ${color} ${total}× in this watch (epoch ${watch.epoch}, after consecutive failures): those isolates sent its requests to ${otherColor(color)}`;
  if (folded) folded.detail = detail;
  else addProbe(d, { phase: "post", check: "router_ejections", target: color, ok: false, at: iso(now), detail });
}

function surge(core: Core, color: Color, n: number, epoch: number, now: number): void {
  const last = core.ejectionAlertAt[color];
  if (last !== undefined && now - last < SURGE_QUIET_MS) return;
  core.ejectionAlertAt[color] = now;
  const d = core.s.deployment;
  notify(core, {
    type: "router.ejection_surge",
    summary: `⚠️ routers are ejecting ${color}: ${n} isolate${n === 1 ? "" : "s"} sent its traffic to ${otherColor(color)} after consecutive failures (epoch ${epoch})`,
    detail: { color, ejections: n, epoch, at: iso(now), deploymentId: d?.id ?? null, active: core.s.flag.color },
  }).catch((e) => console.error("ejection notification not queued:", (e as Error).message));
}
