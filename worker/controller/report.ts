import { type CounterFlush, isLive } from "../../shared";
import type { Core } from "./core";
import { addCounts } from "./evidence";

const TRAFFIC_BROADCAST_MS = 1000;

/** Router counters, at most once a second per isolate: the live view, and the running watch's evidence. */
export function takeReport(core: Core, batches: CounterFlush[], now = Date.now()): void {
  const { s, traffic, hub } = core;
  const d = s.deployment;
  for (const batch of batches) {
    traffic.add(batch);
    // Only what the routers sent to the new color under this deployment's own flag counts for its watch.
    if (d && isLive(d.status) && s.flag.deploymentId === d.id && batch.epoch === s.flag.epoch) {
      addCounts(core.watched, batch.colors[d.color]);
    }
  }
  if (hub.size && now - core.lastTrafficBroadcast >= TRAFFIC_BROADCAST_MS) {
    core.lastTrafficBroadcast = now;
    hub.broadcast("traffic", { blue: traffic.latest("blue"), green: traffic.latest("green") });
  }
}
