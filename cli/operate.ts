import { abort as abortFlow, promote as promoteFlow, rollback as rollbackFlow } from "../control/operate";
import { restoreByDefault, restoreStandby } from "../control/restore-standby";
import { boolean, CONNECTION, connect, integer, parse } from "./args";
import { commandContext } from "./context";
import { summary } from "./deploy";
import type { Io } from "./io";

export const usage = {
  promote: `promote [--id ID] [--timeout S]
  Switches a deployment that waits for promotion (the running one by default) and follows it to its end.`,
  abort: `abort [--id ID]
  Stops a deployment (the running one by default); the flag returns to where it was.`,
  rollback: `rollback [--reason R] [--force] [--deploy-command CMD] [--restore-standby false] [--timeout S]
  Sends traffic back to the previous color at once (--force: even onto a version the last deployment rejected).
  With CMD, then puts the version now serving on the idle color so failover has a target again
  (--restore-standby, default true with CMD), as deploy does after a failed release.`,
};

const contextFor = (values: { url?: string; token?: string }, io: Io, timeout?: string, deployCommand = "") =>
  commandContext(connect(values, io.env), io, {
    version: "",
    deployCommand,
    timeoutSeconds: integer("timeout", timeout, 900, 1, 86_400),
  });

export async function promote(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...CONNECTION, id: { type: "string" }, timeout: { type: "string" } });
  return summary(await promoteFlow(contextFor(values, io, values.timeout), values.id), io);
}

export async function abort(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...CONNECTION, id: { type: "string" } });
  return summary(await abortFlow(contextFor(values, io), values.id), io);
}

export async function rollback(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...CONNECTION,
    reason: { type: "string" },
    force: { type: "boolean" },
    "deploy-command": { type: "string" },
    "restore-standby": { type: "string" },
    timeout: { type: "string" },
  });
  const deployCommand = values["deploy-command"] ?? "";
  const restore = restoreByDefault(boolean("restore-standby", values["restore-standby"]), deployCommand);
  const ctx = contextFor(values, io, values.timeout, deployCommand);
  const outcome = await rollbackFlow(ctx, values.reason ?? "", values.force ?? false);
  // The traffic left a release on the idle color: no failover target until it runs the serving one again.
  outcome.standby = await restoreStandby(ctx, outcome, restore);
  return summary(outcome, io);
}
