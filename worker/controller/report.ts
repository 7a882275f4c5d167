import { type CounterFlush, isLive } from "../../shared";
import { convergenceView, observe } from "./convergence";
import type { Core } from "./core";
import { noteOlderTraffic } from "./drain";
import { takeEjections } from "./ejections";
import { addCounts } from "./evidence";
import { addMirrored, MIRRORED_STATUSES } from "./mirror-verdict";

const TRAFFIC_BROADCAST_MS = 1000;

/**
 * Router counters, at most once a second per isolate: the live view, convergence to the current epoch,
 * traffic still reaching a draining color, and the running watch's evidence. Nothing is written to
 * storage here (reports come many times a second): the next commit, at the latest the next probe round,
 * persists it. A batch whose id was taken lately (sent again after an answer its sender lost) is dropped
 * and counted (`duplicateReports`), so no count is judged twice.
 */
export function takeReport(core: Core, batches: CounterFlush[], now = Date.now()): void {
  const { s, traffic, hub } = core;
  const d = s.deployment;
  let milestone = false;
  for (const batch of core.reports.fresh(batches, now)) {
    traffic.add(batch);
    milestone = observe(s.convergence, batch, now) || milestone;
    noteOlderTraffic(s.colors, s.convergence, batch, now);
    if (batch.epoch === s.flag.epoch) core.active.recent.add(batch, now);
    // Only what the routers sent to the new color under this deployment's own flag counts for its watch.
    if (d && isLive(d.status) && d.watch && batch.epoch === d.watch.epoch) {
      addCounts(d.watch, batch.colors[d.color]);
    }
    takeEjections(core, batch, now);
    // Copies to the candidate under this deployment's mirror flags (older epochs mirrored for someone else),
    // and the live traffic there was to copy (routers still on an older flag included; not counts from before
    // the deployment, which a location tier may deliver a few seconds late).
    const m = d?.mirror;
    if (d && m && MIRRORED_STATUSES.includes(d.status) && m.fromEpoch !== null) {
      if (batch.from >= Date.parse(d.createdAt)) m.live = (m.live ?? 0) + batch.colors[d.previousColor].requests;
      if (batch.epoch >= m.fromEpoch) addMirrored(m, batch.colors[d.color].mirrored);
    }
  }
  core.refreshConvergence(now);
  if (milestone && hub.size) hub.broadcast("state", core.snapshot());
  if (hub.size && now - core.lastTrafficBroadcast >= TRAFFIC_BROADCAST_MS) {
    core.lastTrafficBroadcast = now;
    hub.broadcast("traffic", {
      blue: traffic.latest("blue"),
      green: traffic.latest("green"),
      convergence: convergenceView(s.convergence, now),
      coverage: core.coverageNow(now),
    });
  }
}
