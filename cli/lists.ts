import { CONNECTION, connect, integer, parse } from "./args";
import type { Io } from "./io";
import { historyLine } from "./render";

export const usage = {
  history: `history [--limit N] [--json]
  Deployments and rollbacks, latest first (the controller keeps the recent ones).`,
  audit: `audit [--limit N] [--json]
  The audit log of control calls, latest first (operator role).`,
};

const OPTIONS = { ...CONNECTION, limit: { type: "string" }, json: { type: "boolean" } } as const;

export async function history(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, OPTIONS);
  const limit = integer("limit", values.limit, 20);
  const entries = (await connect(values, io.env).client.state()).history.slice(0, limit);
  if (values.json) io.out.line(JSON.stringify(entries));
  else if (!entries.length) io.out.line("no deployments or rollbacks yet");
  else for (const h of entries) io.out.line(historyLine(io.out, h));
  return 0;
}

export async function audit(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, OPTIONS);
  const log = await connect(values, io.env).client.audit(integer("limit", values.limit, 20));
  if (values.json) io.out.line(JSON.stringify(log));
  else {
    for (const e of log.entries) {
      const who = e.principal.kind === "oidc" ? `${e.principal.repository ?? "oidc"}` : e.principal.kind;
      const status = e.status < 400 ? io.out.paint("green", String(e.status)) : io.out.paint("red", String(e.status));
      io.out.line(
        `  ${e.at.slice(0, 19).replace("T", " ")}  ${status}  ${e.call}${e.target ? ` ${e.target}` : ""}  ${who}${e.role ? ` (${e.role})` : ""}${e.reason ? `: ${e.reason}` : ""}`,
      );
    }
    const refusals = Object.entries(log.refusals).map(([why, r]) => `${why} ×${r.count}`);
    if (refusals.length) io.out.line(`refused credentials since the log began: ${refusals.join(", ")}`);
  }
  return 0;
}
