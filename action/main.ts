import * as core from "@actions/core";
import { ControlClient } from "../control/client";
import { errorText, type Outcome, Timeline } from "../control/outcome";
import { restoreStandby, standbyLine } from "../control/restore-standby";
import { defaultAudience, tokenSource } from "./auth";
import { commands } from "./commands";
import { runHeaders } from "./github";
import { type Command, readInputs } from "./inputs";
import { actionHints, jobLog } from "./log";
import { writeReport } from "./report";

/** What a 401 asks the workflow's author to check. */
const CREDENTIAL_HINT =
  "Check the `token` input (the Worker's CONTROL_TOKEN) or, with GitHub OIDC, the Worker's OIDC_AUDIENCE and its claim policy (OIDC_REPOSITORIES, OIDC_REFS, OIDC_EVENTS, OIDC_ENVIRONMENTS, OIDC_WORKFLOWS; the message names the claim that failed).";

function setOutputs(o: Outcome): void {
  const outputs = {
    result: o.result,
    "active-color": o.activeColor,
    "previous-color": o.previousColor,
    "deployment-id": o.deploymentId,
    version: o.version,
    standby: o.standby?.status,
  };
  for (const [name, value] of Object.entries(outputs)) if (value !== undefined) core.setOutput(name, value);
}

/** The action: runs the chosen command, sets the outputs, writes the job summary, fails the job when it must. */
export async function run(): Promise<void> {
  const timeline = new Timeline(jobLog);
  let command: Command = "deploy";
  let workerUrl: string | undefined;
  let outcome: Outcome;
  try {
    const inputs = readInputs();
    ({ command, workerUrl } = inputs);
    if (inputs.githubToken) core.setSecret(inputs.githubToken);
    const token = tokenSource(inputs.token, inputs.oidcAudience || defaultAudience(inputs.workerUrl));
    const client = new ControlClient(workerUrl, token, runHeaders(), CREDENTIAL_HINT);
    // The commit and the workflow's actor go with the deployment request.
    const deployInputs = { ...inputs, sha: process.env.GITHUB_SHA, actor: process.env.GITHUB_ACTOR };
    const ctx = { inputs: deployInputs, client, timeline, log: jobLog, hints: actionHints };
    outcome = await commands[command](ctx);
    // The job's result stays the command's: restoring the standby only adds the `standby` output.
    outcome.standby = await restoreStandby(ctx, outcome, inputs.restoreStandby);
    const note = outcome.standby.status === "ready" ? core.info : core.warning;
    note(standbyLine(outcome.standby));
  } catch (e) {
    outcome = { command, failure: errorText(e), timeline: timeline.entries };
  }
  setOutputs(outcome);
  try {
    await writeReport(outcome, workerUrl);
  } catch (e) {
    core.warning(`Could not write the job summary: ${errorText(e)}`);
  }
  if (outcome.failure) core.setFailed(outcome.failure);
}
