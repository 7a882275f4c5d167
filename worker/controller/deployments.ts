import {
  DEFAULT_MIRROR_PERCENT,
  DEFAULT_THRESHOLDS,
  DEFAULT_WATCH_SECONDS,
  type Deployment,
  type DeploymentRequest,
  isLive,
  isTerminal,
  otherColor,
} from "../../shared";
import { checkHealth, emptySamples } from "../validation/probes";
import { type Core, iso } from "./core";
import { drainStatus, settleDrains } from "./drain";
import { setFailover } from "./flag-writer";
import { deploymentEntry, recordHistory } from "./history";
import { declineMirror, newMirrorReport } from "./mirror-verdict";
import { fail, ok, type Result } from "./result";
import { planSteps } from "./step-record";
import { beginTraffic, watchPassed } from "./steps";
import { current, finish, revert } from "./transitions";

/** POST /api/deployments: validation of the idle color starts from the next alarm. */
export async function startDeployment(
  core: Core,
  req: DeploymentRequest,
  actor: string | null,
): Promise<Result<Deployment>> {
  const percent = req.mirrorPercent ?? DEFAULT_MIRROR_PERCENT;
  // Copies go only to a color that drops what it already stored: asked first, so every check below sees
  // the state as it is after this request's only wait.
  const candidate = req.color ?? otherColor(core.s.flag.color);
  const dropsDuplicates = percent > 0 && (await checkHealth(core.target(candidate), null)).dropsDuplicates;
  const running = core.s.deployment;
  if (running && !isTerminal(running.status)) {
    return fail(409, "deployment_in_progress", `deployment ${running.id} (${running.version}) is ${running.status}`);
  }
  const active = core.s.flag.color;
  const color = req.color ?? otherColor(active);
  if (color === active) {
    return fail(409, "color_active", `${color} is serving traffic; deploy to the idle color ${otherColor(active)}`);
  }
  const now = Date.now();
  settleDrains(core.s.colors, core.drainRules(), now);
  const drain = drainStatus(color, core.s.colors[color], core.drainRules(), now);
  if (drain) {
    return fail(
      409,
      "color_draining",
      `${color} lost traffic recently and stays warm until at least ${iso(drain.until)}; waiting for ${drain.waitingFor.join("; ")}`,
    );
  }
  const at = iso(now);
  const watchSeconds = req.watchSeconds ?? DEFAULT_WATCH_SECONDS;
  const d: Deployment = {
    id: crypto.randomUUID(),
    version: req.version,
    color,
    previousColor: active,
    sha: req.sha ?? null,
    configHash: req.configHash ?? null,
    // The caller's own "who" (e.g. the GitHub user) is kept, never in place of who authenticated.
    actor: req.actor ? `${req.actor} via ${actor ?? "operator"}` : actor,
    autoPromote: req.autoPromote ?? true,
    thresholds: {
      ...DEFAULT_THRESHOLDS,
      decisionTimeoutSeconds: core.cfg.decisionTimeoutSeconds,
      ...req.thresholds,
    },
    watchSeconds,
    promotionTimeoutSeconds: req.promotionTimeoutSeconds ?? core.cfg.promotionTimeoutSeconds,
    validationTimeoutSeconds: req.validationTimeoutSeconds ?? core.cfg.validationTimeoutSeconds,
    status: "validating",
    reason: null,
    createdAt: at,
    updatedAt: at,
    promotedAt: null,
    finishedAt: null,
    steps: [{ status: "validating", at, detail: `validating ${req.version} on ${color}` }],
    probes: [],
    ...planSteps(req, watchSeconds),
    mirror: newMirrorReport(percent),
  };
  if (percent > 0 && !dropsDuplicates && d.mirror) declineMirror(d.mirror, color);
  core.s.deployment = d;
  core.s.samples = emptySamples();
  recordHistory(core, deploymentEntry(d));
  // The standby is about to run an unvalidated release: routers must not fail over to it meanwhile, and
  // (the same write) copy live ingest to it for validation.
  await setFailover(core, { on: false, why: `deployment of ${d.version} is validating on ${color}` });
  core.nextProbeAt = Date.now();
  await core.wake(core.nextProbeAt);
  return ok(d);
}

export async function promote(core: Core, id: string, actor: string | null): Promise<Result<Deployment>> {
  const d = current(core, id);
  if (!d.ok) return d;
  const who = actor ?? "operator";
  // An inconclusive watch waiting for a human: promote accepts the release as it serves now.
  if (d.value.status === "awaiting_decision") {
    // (During a traffic step it accepts that step: the next one starts.)
    await watchPassed(core, d.value, `accepted by ${who} without conclusive router evidence`);
    return ok(d.value);
  }
  if (d.value.status !== "awaiting_promotion") {
    return fail(
      409,
      "wrong_state",
      `deployment ${id} is ${d.value.status}; promote needs awaiting_promotion or awaiting_decision`,
    );
  }
  await beginTraffic(core, d.value, `promoted by ${who}`);
  return ok(d.value);
}

export async function abort(core: Core, id: string, actor: string | null): Promise<Result<Deployment>> {
  const d = current(core, id);
  if (!d.ok) return d;
  const dep = d.value;
  if (isTerminal(dep.status)) return fail(409, "wrong_state", `deployment ${id} already ${dep.status}`);
  const reason = `aborted by ${actor ?? "operator"}`;
  if (isLive(dep.status)) await revert(core, dep, "aborted", reason);
  else await finish(core, dep, "aborted", reason);
  return ok(dep);
}
