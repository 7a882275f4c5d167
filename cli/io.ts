import { Terminal } from "./terminal";

/** What a command works with: stdout and stderr as terminals, the environment, and Ctrl-C. */
export interface Io {
  out: Terminal;
  err: Terminal;
  env: NodeJS.ProcessEnv;
  /** aborted on Ctrl-C (SIGINT) or SIGTERM: a watch ends cleanly. */
  stop: AbortSignal;
}

export function processIo(): Io {
  const stop = new AbortController();
  const end = () => stop.abort();
  process.once("SIGINT", end);
  process.once("SIGTERM", end);
  return {
    out: new Terminal(process.stdout, process.env),
    err: new Terminal(process.stderr, process.env),
    env: process.env,
    stop: stop.signal,
  };
}
