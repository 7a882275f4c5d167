import type { Deployment, TrafficStep } from "../../shared";
import { emptySamples } from "../validation/probes";
import type { Core } from "./core";
import { gainTraffic } from "./drain";
import { emptyEvidence } from "./evidence";
import { writeFlag } from "./flag-writer";
import { endStep, splitStep, stepLabel } from "./step-record";
import { iso } from "./time";
import { finish, setStatus, switchTo } from "./transitions";

/**
 * Traffic steps (docs/deployments.md, "Traffic steps"). Validation passed and promotion is given: the plan's first
 * step, or the whole switch for a deployment without steps.
 */
export function beginTraffic(core: Core, d: Deployment, detail: string): Promise<void> {
  return d.trafficSteps?.length ? startStep(core, d, 0, detail) : switchTo(core, d, detail);
}

/**
 * The running watch passed: the next step after a split step, else the deployment succeeded. Every
 * caller re-checks the state first, so an alarm that runs twice moves one step at most (the next step's
 * watch period only starts once the routers converged to its epoch).
 */
export function watchPassed(core: Core, d: Deployment, detail: string): Promise<void> {
  const step = splitStep(d);
  if (!step) return finish(core, d, "succeeded", detail);
  endStep(step, d.watch, "passed", detail);
  const plan = d.trafficSteps as TrafficStep[];
  return startStep(core, d, plan.indexOf(step) + 1, `${stepLabel(d, step)} passed`);
}

/**
 * Step `i`: a split step writes the flag (the old color active, `percent` % of requests to the new one)
 * under a new epoch and watches the new color's traffic under it; the 100 % step is the switch.
 */
async function startStep(core: Core, d: Deployment, i: number, detail: string): Promise<void> {
  const step = (d.trafficSteps as TrafficStep[])[i] as TrafficStep;
  step.status = "running";
  step.startedAt = iso();
  step.epoch = core.s.flag.epoch + 1;
  const label = stepLabel(d, step);
  if (step.percent === 100) return switchTo(core, d, `${detail}; ${label}`);
  if (i === 0) {
    setStatus(d, "promoted", `${detail}; ${label} of traffic to ${d.color}, ${d.previousColor} keeps the rest`);
    // The watch's probe budget starts afresh, as after a switch.
    core.s.samples = emptySamples();
  }
  setStatus(d, "watching", `${label} of traffic on ${d.color}; watching it for ${step.seconds}s`);
  gainTraffic(core.s.colors[d.color]);
  // Only the new color's traffic under this step's own epoch counts for its watch.
  d.watch = { epoch: step.epoch, startedAt: null, startedBy: null, ...emptyEvidence() };
  // Both colors hold releases fit to serve: the old one, and the one that passed validation.
  const why = `traffic step ${label}: ${d.previousColor} and ${d.color} each serve, each the other's failover target`;
  await writeFlag(core, d.previousColor, d.id, { on: true, why }, { color: d.color, percent: step.percent });
  core.nextProbeAt = Date.now() + d.thresholds.probeIntervalMs;
  await core.wake(core.nextProbeAt);
}
