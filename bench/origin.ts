import { spawn } from "node:child_process";
import { join } from "node:path";

export interface Origin {
  url: string;
  /** the origin's process (e.g. to pin it to a core); undefined if it failed to spawn. */
  pid: number | undefined;
  stop(): Promise<void>;
}

const SCRIPT = join(import.meta.dirname, "origin-server.ts");

/** Starts bench/origin-server.ts in a child process (same Node, through tsx) and returns its URL. */
export function startOrigin(): Promise<Origin> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], { stdio: ["ignore", "pipe", "inherit"] });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench origin exited with ${code}`)));
    child.stdout.on("data", (d: Buffer) => {
      const port = /listening (\d+)/.exec(d.toString())?.[1];
      if (port) resolve({ url: `http://127.0.0.1:${port}`, pid: child.pid, stop });
    });
  });
}
