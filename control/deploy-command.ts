import { spawn } from "node:child_process";
import type { Color } from "../shared";
import type { CommandOutput } from "./log";

const TAIL_LINES = 20;

export interface DeployTarget {
  color: Color;
  version: string;
  origin: string;
}

export interface DeployCommandResult {
  exitCode: number;
  /** the last lines of output, for the job summary when it failed. */
  tail: string[];
  durationMs: number;
}

/**
 * The environment of the user's command: the target, and not the tool's own credentials (the action's
 * INPUT_TOKEN and INPUT_GITHUB-TOKEN, the CLI's EDGE_BLUEGREEN_TOKEN), which it has no need to see.
 */
function commandEnv(target: DeployTarget): NodeJS.ProcessEnv {
  const own = (k: string) => k.startsWith("INPUT_") || k === "EDGE_BLUEGREEN_TOKEN";
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !own(k)));
  return { ...env, DEPLOY_COLOR: target.color, DEPLOY_VERSION: target.version, DEPLOY_ORIGIN: target.origin };
}

/**
 * Runs `deploy-command` the way a `run:` step would (bash -eo pipefail, sh -e without bash), streaming
 * its stdout and stderr to `out`'s as they come.
 */
export function runDeployCommand(
  command: string,
  target: DeployTarget,
  out: CommandOutput,
): Promise<DeployCommandResult> {
  const started = Date.now();
  const attempt = (shell: string, flags: string[]) =>
    new Promise<DeployCommandResult>((resolve, reject) => {
      const child = spawn(shell, [...flags, "-c", command], {
        env: commandEnv(target),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let tail: string[] = [];
      let partial = "";
      const forward = (to: CommandOutput["stdout"]) => (chunk: Buffer) => {
        to.write(chunk);
        const lines = (partial + chunk.toString()).split("\n");
        partial = lines.pop() ?? "";
        tail = [...tail, ...lines].slice(-TAIL_LINES);
      };
      child.stdout.on("data", forward(out.stdout));
      child.stderr.on("data", forward(out.stderr));
      child.once("error", reject);
      child.once("close", (code, signal) => {
        if (partial) tail = [...tail, partial].slice(-TAIL_LINES);
        // Killed by a signal counts as a failure, like a shell reports it (128 + n is not portable).
        resolve({ exitCode: code ?? (signal ? 1 : 0), tail, durationMs: Date.now() - started });
      });
    });
  return attempt("bash", ["--noprofile", "--norc", "-eo", "pipefail"]).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return attempt("sh", ["-e"]);
    throw e;
  });
}
