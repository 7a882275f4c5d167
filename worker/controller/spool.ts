import { notify } from "../notify/task";
import type { SpoolReport } from "../spool/report";
import type { Core } from "./core";
import { iso } from "./time";

/**
 * One consumer report: recorded, then told: a notification when batches start waiting (the spool was empty)
 * and when the last one is delivered, and the dashboards get the new state.
 */
export async function takeSpoolReport(core: Core, r: SpoolReport, now = Date.now()): Promise<void> {
  const before = core.spool.depth();
  core.spool.take(r, now);
  const v = core.spool.view(now);
  if (before === 0 && v.depth > 0) {
    await notify(core, {
      type: "spool.started",
      summary: `📥 edge spool: no color takes batches; ${v.depth} stored for later delivery to the active color`,
      detail: { ...v, at: iso(now), active: core.s.flag.color },
    });
  } else if (before > 0 && v.depth === 0) {
    await notify(core, {
      type: "spool.drained",
      summary: `📤 edge spool drained: every waiting batch delivered${v.deadLettered ? ` (${v.deadLettered} in the dead-letter store)` : ""}`,
      detail: { ...v, at: iso(now), active: core.s.flag.color },
    });
  }
  if (before !== v.depth || r.dead.length || r.delivered.length) core.hub.broadcast("state", core.snapshot());
}
