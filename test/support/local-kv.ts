import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import type { Flag } from "../../shared/schemas";

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

/**
 * Writes `flag` into the local KV and waits until the Worker at `url` routes by its epoch. The controller
 * repairs a KV flag changed behind its back (its flag check, on every alarm), and once a router has routed by
 * an epoch it never goes back to a lower one: so only a repair that lands before the router's next read can
 * hide the hand-written flag, and the write is repeated until the router has seen it.
 */
export async function routeByLocalFlag(dir: string, url: string, flag: Flag): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await putLocalKv(dir, "active", JSON.stringify(flag));
    const until = Math.min(deadline, Date.now() + 5000);
    while (Date.now() < until) {
      const res = await fetch(`${url}/ingest`, { method: "POST", body: '{"probe":true}' });
      await res.arrayBuffer();
      if (res.headers.get("x-route-epoch") === String(flag.epoch)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the Worker at ${url} never routed by epoch ${flag.epoch}`);
}
