import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { ControlClient } from "../control/client";

/** A bad command line or missing configuration: exit code 2. */
export class UsageError extends Error {}

/** Options every command that talks to the Worker takes. */
export const CONNECTION = {
  url: { type: "string" },
  token: { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/** Parses a command's arguments strictly: an unknown option or a missing value is a usage error. */
export function parse<O extends ParseArgsOptionsConfig>(args: string[], options: O, positionals = 0) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument: ${parsed.positionals[positionals]}`);
  }
  return parsed;
}

/** A whole number in [min, max] from an option's text. */
export function integer(name: string, text: string | undefined, fallback: number, min = 1, max = 100_000): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return n;
}

/** `true`/`false` from an option's text. */
export function boolean(name: string, text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (text === "true" || text === "false") return text === "true";
  throw new UsageError(`--${name} must be true or false, not "${text}"`);
}

/** What a 401 tells the user to check. */
const CREDENTIAL_HINT =
  "Check --token / EDGE_BLUEGREEN_TOKEN: the Worker's CONTROL_TOKEN (operator) or VIEW_TOKEN (viewer, read-only).";

export interface Connection {
  url: string;
  token: string;
  client: ControlClient;
}

/** The Worker to talk to: --url / EDGE_BLUEGREEN_URL and --token / EDGE_BLUEGREEN_TOKEN. */
export function connect(values: { url?: string; token?: string }, env: NodeJS.ProcessEnv): Connection {
  const raw = values.url ?? env.EDGE_BLUEGREEN_URL;
  if (!raw) throw new UsageError("no Worker URL: pass --url or set EDGE_BLUEGREEN_URL");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url / EDGE_BLUEGREEN_URL is not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--url / EDGE_BLUEGREEN_URL must be the Worker's http(s) URL, not ${url.protocol}`);
  }
  const token = values.token ?? env.EDGE_BLUEGREEN_TOKEN;
  if (!token) throw new UsageError("no token: set EDGE_BLUEGREEN_TOKEN (or pass --token)");
  const base = url.href.replace(/\/+$/, "");
  return { url: base, token, client: new ControlClient(base, async () => token, {}, CREDENTIAL_HINT) };
}
