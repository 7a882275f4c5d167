import type { CommandContext, DeployOptions, Hints } from "../control/context";
import { Timeline } from "../control/outcome";
import type { Deployment } from "../shared";
import type { Connection } from "./args";
import type { Io } from "./io";
import { terminalLog } from "./terminal";

/** How an operator promotes or aborts from this CLI. */
const hints: Hints = {
  promote: (id) => `\`npx edge-bluegreen promote --id ${id}\``,
  abort: (id) => `\`npx edge-bluegreen abort --id ${id}\``,
  nameDeployment: "pass --id to name one",
};

/** The live line under the log while a deployment runs: its status, probes passed, time taken. */
function progress(d: Deployment): string {
  const ok = d.probes.filter((p) => p.ok).length;
  const took = Math.round((Date.now() - Date.parse(d.createdAt)) / 1000);
  return `… ${d.version} → ${d.color}: ${d.status}, ${ok}/${d.probes.length} probes passed, ${took} s`;
}

/** The shared flow's context on a terminal: progress to stderr (with a live line on a TTY), results to stdout. */
export function commandContext(conn: Connection, io: Io, inputs: DeployOptions): CommandContext {
  const log = terminalLog(io.err);
  return {
    inputs,
    client: conn.client,
    timeline: new Timeline(log),
    log,
    hints,
    onUpdate: (d) => io.err.status(progress(d)),
  };
}
