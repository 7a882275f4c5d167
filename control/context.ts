import type { Deployment, DeploymentRequest } from "../shared";
import type { ControlClient } from "./client";
import type { Log } from "./log";
import type { Timeline } from "./outcome";

/** What a deployment is asked with: the request's fields, the command that deploys the idle color, the time limit. */
export type DeployOptions = Pick<
  DeploymentRequest,
  | "version"
  | "sha"
  | "actor"
  | "autoPromote"
  | "thresholds"
  | "watchSeconds"
  | "configHash"
  | "mirrorPercent"
  | "promotionTimeoutSeconds"
  | "validationTimeoutSeconds"
  | "steps"
  | "stepSeconds"
> & {
  /** shell command that deploys the idle color ("" for none). */
  deployCommand: string;
  timeoutSeconds: number;
};

/** How the user of this tool promotes or aborts a deployment, for the messages that tell them to. */
export interface Hints {
  promote(id: string): string;
  abort(id: string): string;
  /** how to name a deployment when none is running. */
  nameDeployment: string;
}

/** What every command works with: the inputs, the Worker's client, the timeline, where to log, and the hints. */
export interface CommandContext<I extends DeployOptions = DeployOptions> {
  inputs: I;
  client: ControlClient;
  timeline: Timeline;
  log: Log;
  hints: Hints;
  /** called with every change of the deployment being followed (the CLI's live progress line). */
  onUpdate?(d: Deployment): void;
}
