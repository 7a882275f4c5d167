import * as core from "@actions/core";
import { defaultAudience, tokenSource } from "./auth";
import { ControlClient } from "./client";
import { commands } from "./commands";
import { runHeaders } from "./github";
import { type Command, readInputs } from "./inputs";
import { errorText, type Outcome, Timeline } from "./outcome";
import { writeReport } from "./report";

function setOutputs(o: Outcome): void {
  const outputs = {
    result: o.result,
    "active-color": o.activeColor,
    "previous-color": o.previousColor,
    "deployment-id": o.deploymentId,
    version: o.version,
  };
  for (const [name, value] of Object.entries(outputs)) if (value !== undefined) core.setOutput(name, value);
}

/** The action: runs the chosen command, sets the outputs, writes the job summary, fails the job when it must. */
export async function run(): Promise<void> {
  const timeline = new Timeline();
  let command: Command = "deploy";
  let workerUrl: string | undefined;
  let outcome: Outcome;
  try {
    const inputs = readInputs();
    ({ command, workerUrl } = inputs);
    if (inputs.githubToken) core.setSecret(inputs.githubToken);
    const token = tokenSource(inputs.token, inputs.oidcAudience || defaultAudience(inputs.workerUrl));
    outcome = await commands[command]({ inputs, client: new ControlClient(workerUrl, token, runHeaders()), timeline });
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
