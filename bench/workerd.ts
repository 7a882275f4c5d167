// A Worker bundle straight in workerd through Miniflare's API: no wrangler proxy Worker, no inspector, no
// request logging through Node, and requests go to a direct socket of the Worker (not through Miniflare's
// entry Worker). What is left per request is workerd and the Worker itself, so the router's own cost stands
// out of the noise (under `wrangler dev` the dev tooling costs many times what the Worker does).
import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import type { WorkerBundle } from "../scripts/worker-bundle";

/** Wall-clock time, and the CPU time workerd spent on it (robust to other load on the machine), ms. */
export interface Cost {
  ms: number;
  cpuMs: number;
}

export interface WorkerdWorker {
  url: string;
  /** the workerd process (e.g. to pin it to a core). */
  pid: string;
  /** `new Miniflare` → listening with the Worker loaded (workerd start, Miniflare's own Workers, our script). */
  start: Cost;
  /** the first request after start (the handler's first run: lazy compilation, first KV read). */
  firstRequest: Cost;
  /** CPU time the Worker's workerd process has used so far, ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/** workerd processes this process has started (Miniflare spawns workerd as its child). */
async function childWorkerds(): Promise<Set<string>> {
  const found = new Set<string>();
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "");
    const stat = comm.trim() === "workerd" ? await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "") : "";
    // The parent pid is the second field after the parenthesised command name.
    if (stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] === String(process.pid)) found.add(pid);
  }
  return found;
}

/** CPU time of all of a process's threads, ms: /proc/<pid>/task/<tid>/schedstat counts nanoseconds. */
async function processCpuMs(pid: string): Promise<number> {
  let ns = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const text = await readFile(`/proc/${pid}/task/${tid}/schedstat`, "utf8").catch(() => "0");
    ns += Number(text.split(" ")[0]);
  }
  return ns / 1e6;
}

/**
 * Starts `bundle` in its own workerd process with the bindings of `config` (wrangler.toml stays their single
 * source; KV and Durable Objects in memory), `vars` overriding its vars, `routing` put into its ROUTING KV
 * first (e.g. a flag). Then times `first` as cold start.
 */
export async function startInWorkerd(
  config: string,
  bundle: WorkerBundle,
  vars: Record<string, string>,
  first: (url: string) => Promise<Response>,
  routing: Record<string, string> = {},
): Promise<WorkerdWorker> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  // Typed loosely by wrangler (an Omit over an index signature): the vars of wrangler.toml.
  const configVars = workerOptions.bindings as Record<string, string> | undefined;
  const before = await childWorkerds();
  const started = performance.now();
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...workerOptions,
      modules: bundle.modules,
      modulesRoot: bundle.dir,
      modulesRules: undefined,
      bindings: { ...configVars, ...vars },
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    }),
  );
  try {
    const url = (await mf.unsafeGetDirectURL()).origin;
    const ready = performance.now();
    const pid = [...(await childWorkerds())].find((p) => !before.has(p));
    if (!pid) throw new Error("cannot find the workerd process Miniflare started");
    const cpuMs = () => processCpuMs(pid);
    const kv = Object.keys(routing).length ? await mf.getKVNamespace("ROUTING") : null;
    for (const [key, value] of Object.entries(routing)) await kv?.put(key, value);
    const readyCpu = await cpuMs();
    const sent = performance.now();
    const res = await first(url);
    await res.arrayBuffer();
    const firstRequest = { ms: performance.now() - sent, cpuMs: (await cpuMs()) - readyCpu };
    if (!res.ok) throw new Error(`${config} in workerd: first request answered ${res.status}`);
    return { url, pid, start: { ms: ready - started, cpuMs: readyCpu }, firstRequest, cpuMs, stop: () => mf.dispose() };
  } catch (e) {
    await mf.dispose();
    throw e;
  }
}

/**
 * Pins every thread of process `pid` to `cpus` (taskset's list: "1", "0-1"). False where taskset is missing or
 * refuses (not Linux): the bench then runs unpinned.
 */
export function pin(pid: number | string, cpus: string): boolean {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
