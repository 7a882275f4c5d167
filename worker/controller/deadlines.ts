import type { Deployment } from "../../shared";
import type { AlarmTask } from "./alarms";
import type { Core } from "./core";
import { finish, revert } from "./transitions";

/** When the phase began: its latest status change into `status`. */
const since = (d: Deployment, status: Deployment["status"]) =>
  Date.parse(d.steps.findLast((s) => s.status === status)?.at ?? d.updatedAt);

/** When the running deployment's current phase runs out of time, or null if it has no deadline. */
export function deadlineOf(core: Core, d: Deployment): number | null {
  if (d.status === "validating") {
    return Date.parse(d.createdAt) + validationSeconds(core, d) * 1000;
  }
  if (d.status === "awaiting_promotion") return since(d, "awaiting_promotion") + promotionSeconds(core, d) * 1000;
  if (d.status === "awaiting_decision") return since(d, "awaiting_decision") + decisionSeconds(core, d) * 1000;
  return null;
}

const validationSeconds = (core: Core, d: Deployment) =>
  d.validationTimeoutSeconds ?? core.cfg.validationTimeoutSeconds;
const promotionSeconds = (core: Core, d: Deployment) => d.promotionTimeoutSeconds ?? core.cfg.promotionTimeoutSeconds;
// Deployments stored before the decision deadline existed lack it: they get the Worker's default.
const decisionSeconds = (core: Core, d: Deployment) =>
  d.thresholds.decisionTimeoutSeconds ?? core.cfg.decisionTimeoutSeconds;

/**
 * Ends a deployment that waited too long, so a dead client (a cancelled workflow run) never blocks the
 * next one: validation without a verdict fails, a promotion nobody gave aborts, and a decision nobody
 * took aborts with traffic back on the known-good color (the deployment's color already serves then).
 * Idempotent: a second run finds the deployment ended and does nothing.
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
    if (d.status === "awaiting_decision") {
      const s = decisionSeconds(core, d);
      const why = `decision deadline: neither promoted nor aborted within ${s} s (decisionTimeoutSeconds); traffic back to ${d.previousColor}`;
      return revert(core, d, "aborted", why);
    }
    const s = promotionSeconds(core, d);
    return finish(core, d, "aborted", `promotion deadline: not promoted within ${s} s (promotionTimeoutSeconds)`);
  },
};
