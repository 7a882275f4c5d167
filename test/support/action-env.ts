import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
