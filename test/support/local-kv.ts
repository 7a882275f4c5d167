import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "../..");

/** Writes a key into the local ROUTING KV that `wrangler dev --persist-to dir` uses (as a hand edit would). */
export async function putLocalKv(dir: string, key: string, value: string): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    ["node_modules/wrangler/bin/wrangler.js", "kv", "key", "put", key, value, "--binding", "ROUTING", "--local"].concat(
      ["--persist-to", dir],
    ),
    { cwd: ROOT, env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } },
  );
}
