// A Worker bundle straight in workerd through Miniflare's API: no wrangler proxy Worker, no inspector, no
// request logging through Node, and requests go to a direct socket of the Worker (not through Miniflare's
// entry Worker). What is left per request is workerd and the Worker itself, so the router's own cost stands
// out of the noise (under `wrangler dev` the dev tooling costs many times what the Worker does).
import { readdir, readFile } from "node:fs/promises";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import type { WorkerBundle } from "../scripts/worker-bundle";

export interface WorkerdWorker {
  url: string;
  /** `new Miniflare` → workerd listening with the Worker loaded, ms. */
  startMs: number;
  /** the first request after start (the handler's first run: lazy compilation, first KV read), ms. */
  firstRequestMs: number;
  /** CPU time the Worker's workerd process has used so far, ms (user + system). */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

const TICK_MS = 10; // /proc/<pid>/stat counts in USER_HZ ticks (100 per second on Linux)

async function stat(pid: string): Promise<string[] | null> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  // Fields after the parenthesised command name (which may contain spaces): state is field 3.
  return text?.slice(text.lastIndexOf(")") + 2).split(" ") ?? null;
}

/** workerd processes this process has started (Miniflare spawns workerd as its child). */
async function childWorkerds(): Promise<Set<string>> {
  const found = new Set<string>();
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "");
    if (comm.trim() === "workerd" && (await stat(pid))?.[1] === String(process.pid)) found.add(pid);
  }
  return found;
}

/**
 * Starts `bundle` in its own workerd process with the bindings of `config` (wrangler.toml stays their single
 * source; KV and Durable Objects in memory), `vars` overriding its vars. Then times `first` as cold start.
 */
export async function startInWorkerd(
  config: string,
  bundle: WorkerBundle,
  vars: Record<string, string>,
  first: (url: string) => Promise<Response>,
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
    const res = await first(url);
    await res.arrayBuffer();
    const firstRequestMs = performance.now() - ready;
    if (!res.ok) throw new Error(`${config} in workerd: first request answered ${res.status}`);
    const pid = [...(await childWorkerds())].find((p) => !before.has(p));
    if (!pid) throw new Error("cannot find the workerd process Miniflare started");
    return {
      url,
      startMs: ready - started,
      firstRequestMs,
      cpuMs: async () => {
        const f = await stat(pid);
        if (!f) throw new Error(`workerd ${pid} is gone`);
        // utime and stime are fields 14 and 15 of /proc/<pid>/stat, i.e. 11 and 12 after the state.
        return (Number(f[11]) + Number(f[12])) * TICK_MS;
      },
      stop: () => mf.dispose(),
    };
  } catch (e) {
    await mf.dispose();
    throw e;
  }
}
