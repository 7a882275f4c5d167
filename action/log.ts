import * as core from "@actions/core";
import type { Hints } from "../control/context";
import type { Log } from "../control/log";

/** The job log: notices and warnings become annotations, a deploy-command's output a collapsible group. */
export const jobLog: Log = {
  info: (line) => core.info(line),
  notice: (line) => core.notice(line),
  warning: (line) => core.warning(line),
  // Where a `run:` step's output goes: the job log reads both streams.
  group: (title, body) => core.group(title, () => body({ stdout: process.stdout, stderr: process.stderr })),
};

/** How a workflow promotes or aborts a deployment with this action. */
export const actionHints: Hints = {
  promote: (id) => `this action (\`command: promote\`, \`deployment-id: ${id}\`)`,
  abort: (id) => `\`command: abort\` and \`deployment-id: ${id}\``,
  nameDeployment: "pass deployment-id to name one",
};
