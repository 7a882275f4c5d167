import type { Deployment } from "../../shared";
import type { AlarmTask } from "./alarms";
import type { Core } from "./core";
import { finish } from "./transitions";

/** When the running deployment's current phase runs out of time, or null if it has no deadline. */
export function deadlineOf(core: Core, d: Deployment): number | null {
  if (d.status === "validating") {
    return Date.parse(d.createdAt) + validationSeconds(core, d) * 1000;
  }
  if (d.status === "awaiting_promotion") {
    const since = d.steps.findLast((s) => s.status === "awaiting_promotion")?.at ?? d.updatedAt;
    return Date.parse(since) + promotionSeconds(core, d) * 1000;
  }
  return null;
}

const validationSeconds = (core: Core, d: Deployment) =>
  d.validationTimeoutSeconds ?? core.cfg.validationTimeoutSeconds;
const promotionSeconds = (core: Core, d: Deployment) => d.promotionTimeoutSeconds ?? core.cfg.promotionTimeoutSeconds;

/**
 * Ends a deployment that waited too long, so a dead client (a cancelled workflow run) never blocks the
 * next one: validation without a verdict fails, a promotion nobody gave aborts.
 */
export const deadlineTask: AlarmTask = {
  name: "deadlines",
  due: (core) => (core.s.deployment ? deadlineOf(core, core.s.deployment) : null),
  async run(core) {
    const d = core.s.deployment;
    const at = d ? deadlineOf(core, d) : null;
    if (!d || at === null || at > Date.now()) return;
    if (d.status === "validating") {
      const s = validationSeconds(core, d);
      return finish(core, d, "failed", `validation deadline: no verdict within ${s} s (validationTimeoutSeconds)`);
    }
    const s = promotionSeconds(core, d);
    return finish(core, d, "aborted", `promotion deadline: not promoted within ${s} s (promotionTimeoutSeconds)`);
  },
};
