import { setTimeout as sleep } from "node:timers/promises";
import { ControlApiError, type ControlClient } from "../control/client";
import { readSse } from "../control/events";
import { State } from "../shared";
import { CONNECTION, connect, parse } from "./args";
import type { Io } from "./io";
import { changeLines, renderState } from "./render";

const RECONNECT_MS = 1000;

export const usage = `status [--watch] [--json]
  The active color, version, epoch, flag sync, convergence, protection, the running deployment and the
  last history entries. --watch redraws on every event until Ctrl-C (one line per change off a terminal);
  --json prints GET /api/state.`;

/** `status`: the state once, as text or JSON, or followed live with --watch. */
export async function status(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...CONNECTION, watch: { type: "boolean" }, json: { type: "boolean" } });
  const { client, url } = connect(values, io.env);
  let last: State | null = null;
  const show = (s: State) => {
    if (values.json) io.out.line(JSON.stringify(s));
    else if (values.watch && !io.out.tty) for (const line of changeLines(last, s)) io.out.line(line);
    else if (values.watch) io.out.screen(renderState(io.out, s, url));
    else for (const line of renderState(io.out, s, url)) io.out.line(line);
    last = s;
  };
  show(await client.state());
  if (values.watch) await watch(client, io, show);
  return 0;
}

/** Follows GET /api/events until Ctrl-C (or SIGTERM), showing each state; a dropped stream is reopened. */
async function watch(client: ControlClient, io: Io, show: (s: State) => void): Promise<void> {
  let opened = false;
  while (!io.stop.aborted) {
    try {
      const body = await client.events(io.stop);
      if (!opened) io.err.line(io.err.paint("dim", "following live events (Ctrl-C to stop)"));
      opened = true;
      for await (const ev of readSse(body, io.stop)) {
        if (ev.event === "state") show(State.parse(JSON.parse(ev.data)));
      }
    } catch (e) {
      if (io.stop.aborted) return;
      if (e instanceof ControlApiError && (e.status === 401 || e.status === 403)) throw e;
      io.err.line(`events stream interrupted (${(e as Error).message}); reconnecting`);
    }
    await sleep(RECONNECT_MS, undefined, { signal: io.stop }).catch(() => undefined);
  }
}
