import type { Color, Deployment, State } from "../shared";
import type { DeployCommandResult } from "./deploy-command";
import type { Log } from "./log";

/** The `result` output: a deployment's terminal status, or a manual rollback. */
const RESULTS = ["succeeded", "rolled_back", "failed", "aborted", "rolled_back_manually"] as const;
export type Result = (typeof RESULTS)[number];
export const isResult = (s: string): s is Result => (RESULTS as readonly string[]).includes(s);

/** What a caught error says, for a failure or a warning. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface TimelineEntry {
  at: string;
  step: string;
  detail: string;
}

/** What the tool itself did, in order (the Worker's steps come with the deployment). */
export class Timeline {
  readonly entries: TimelineEntry[] = [];

  constructor(private readonly log: Log) {}

  add(step: string, detail: string): void {
    this.entries.push({ at: new Date().toISOString(), step, detail });
    this.log.info(`▶ ${step}: ${detail}`);
  }
}

/** Everything a command produced: the outputs, the report's content, and why the job fails (if it does). */
export interface Outcome {
  /** the command that ran (`deploy`, `rollback`, …). */
  command: string;
  result?: Result;
  /** set when the job must fail: the reason, as the error annotation says it. */
  failure?: string;
  activeColor?: Color;
  previousColor?: Color;
  deploymentId?: string;
  version?: string;
  deployment?: Deployment;
  state?: State;
  deployCommand?: DeployCommandResult;
  /** the `standby` output: whether the idle color is (again) a failover target, and why. */
  standby?: { status: "ready" | "unavailable" | "skipped"; detail: string };
  timeline: TimelineEntry[];
}

/** The outcome of a command that ended with deployment `d` (finished, aborted, or given up on). */
export const deploymentOutcome = (
  command: string,
  result: Result | undefined,
  d: Deployment,
  state: State,
  timeline: Timeline,
): Outcome => ({
  command,
  result,
  deployment: d,
  state,
  activeColor: state.active,
  previousColor: d.previousColor,
  deploymentId: d.id,
  version: d.version,
  timeline: timeline.entries,
});
