import type { Deployment, DeploymentRequest, TrafficStep, Watch } from "../../shared";
import { iso } from "./time";

/** The deployment's traffic plan from the request, every step pending (nothing without `steps`). */
export function planSteps(
  req: DeploymentRequest,
  watchSeconds: number,
): Pick<Deployment, "trafficSteps" | "stepSeconds"> {
  if (!req.steps) return {};
  const stepSeconds = req.stepSeconds ?? watchSeconds;
  const trafficSteps = req.steps.map(
    (percent): TrafficStep => ({
      percent,
      // The 100 % step is the switch, watched as a deployment without steps is.
      seconds: percent === 100 ? watchSeconds : stepSeconds,
      status: "pending",
      epoch: null,
      startedAt: null,
      endedAt: null,
      requests: 0,
      errors5xx: 0,
      timeouts: 0,
      detail: null,
    }),
  );
  return { stepSeconds, trafficSteps };
}

/** The step being watched now, if any. */
export const runningStep = (d: Deployment): TrafficStep | null =>
  d.trafficSteps?.find((s) => s.status === "running") ?? null;

/** The step below 100 % being watched now, if any: its watch passes on to the next step, not to success. */
export function splitStep(d: Deployment): TrafficStep | null {
  const s = runningStep(d);
  return s && s.percent < 100 ? s : null;
}

/** `step 1/3: 5 %` */
export function stepLabel(d: Deployment, s: TrafficStep): string {
  const plan = d.trafficSteps ?? [s];
  return `step ${plan.indexOf(s) + 1}/${plan.length}: ${s.percent} %`;
}

/** Ends a step with the evidence its watch gathered under its epoch. */
export function endStep(s: TrafficStep, watch: Watch | undefined, status: TrafficStep["status"], detail: string): void {
  s.status = status;
  s.endedAt = iso();
  s.detail = detail;
  if (watch && watch.epoch === s.epoch) {
    s.requests = watch.requests;
    s.errors5xx = watch.errors5xx;
    s.timeouts = watch.timeouts;
  }
}

/** The deployment ended: its running step passed (success) or was reverted, steps never reached are skipped. */
export function closeSteps(d: Deployment, succeeded: boolean, reason: string): void {
  const running = runningStep(d);
  if (running) endStep(running, d.watch, succeeded ? "passed" : "reverted", reason);
  for (const s of d.trafficSteps ?? []) if (s.status === "pending") s.status = "skipped";
}
