import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export const REPOSITORY = "acme/log-platform";
export const SHA = "0123456789abcdef0123456789abcdef01234567";

/** Inputs as the runner passes them: `INPUT_` + the name uppercased, dashes kept (INPUT_WORKER-URL). */
export const inputEnv = (inputs: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, "_").toUpperCase()}`, v]));

/** Parses the GITHUB_OUTPUT file (`name<<delimiter` … `delimiter` blocks, or `name=value` lines). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc?.[1] && heredoc[2]) {
      const end = lines.indexOf(heredoc[2], i + 1);
      out[heredoc[1]] = lines.slice(i + 1, end).join("\n");
      i = end;
    } else if (line.includes("=")) {
      out[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return out;
}

/**
 * The files a runner gives an action step (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH),
 * and the workflow variables that go with a push to main.
 */
export async function actionFiles() {
  const dir = await mkdtemp(join(tmpdir(), "bg-action-"));
  const output = join(dir, "output");
  const summary = join(dir, "summary.md");
  const event = join(dir, "event.json");
  await writeFile(
    event,
    JSON.stringify({
      ref: "refs/heads/main",
      after: SHA,
      repository: { name: "log-platform", owner: { login: "acme" } },
    }),
  );
  const reset = () => Promise.all([writeFile(output, ""), writeFile(summary, "")]);
  await reset();
  return {
    env: {
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_EVENT_PATH: event,
      GITHUB_EVENT_NAME: "push",
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_SHA: SHA,
      GITHUB_REF: "refs/heads/main",
      GITHUB_ACTOR: "octocat",
      GITHUB_RUN_ID: "4242",
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_API_URL: "https://api.github.com",
    },
    /** empties the output and summary files before a run. */
    reset,
    read: async () => ({
      outputs: parseOutputs(await readFile(output, "utf8")),
      summary: await readFile(summary, "utf8"),
    }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export type ActionFiles = Awaited<ReturnType<typeof actionFiles>>;

export interface ActionRun {
  code: number | null;
  /** everything the action printed (stdout and stderr). */
  log: string;
  outputs: Record<string, string>;
  summary: string;
}

/**
 * Runs the bundled action as a runner does: `node dist/index.js` with INPUT_* variables and the runner's
 * files. Only `inputs` reach it as inputs, none leak in from this process. `onLine` sees each line as printed.
 */
export async function runDist(
  files: ActionFiles,
  inputs: Record<string, string>,
  onLine?: (line: string) => void,
): Promise<ActionRun> {
  await files.reset();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("INPUT_")));
  const child = spawn(process.execPath, [resolve(ROOT, "dist/index.js")], {
    cwd: ROOT,
    env: { ...env, ...files.env, ...inputEnv(inputs) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  let partial = "";
  const onData = (d: Buffer) => {
    log += d.toString();
    if (!onLine) return;
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const code = await new Promise<number | null>((r) => child.once("close", r));
  if (partial && onLine) onLine(partial);
  return { code, log, ...(await files.read()) };
}
