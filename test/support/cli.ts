import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** stdout lines so far, each with when it arrived (unix ms). */
  lines: Array<{ at: number; text: string }>;
  /** stderr so far. */
  stderr(): string;
  /** resolves with the result when the process exits. */
  done: Promise<CliRun>;
}

/**
 * Starts the bundled CLI (`dist/cli.js`, what `npx edge-bluegreen` runs) with only `env` for its own
 * variables: EDGE_BLUEGREEN_* and NO_COLOR never leak in from this process. Output is piped (not a TTY).
 */
export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("EDGE_BLUEGREEN_") && k !== "NO_COLOR"),
  );
  const child = spawn(process.execPath, [resolve(ROOT, "dist/cli.js"), ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: CliProcess["lines"] = [];
  let stdout = "";
  let stderr = "";
  let partial = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts) lines.push({ at: Date.now(), text });
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CliRun>((r) => child.once("close", (code) => r({ code, stdout, stderr })));
  return { child, lines, stderr: () => stderr, done };
}

/** Runs the bundled CLI to its end. */
export const runCli = (args: string[], env: Record<string, string>): Promise<CliRun> => startCli(args, env).done;
