import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./ports";

export interface WorkerHandle {
  url: string;
  port: number;
  /** everything wrangler printed (for failure messages). */
  output(): string;
  /** process group of wrangler and its workerd processes. */
  pgid: number;
  stop(): Promise<void>;
}

export interface StartWorkerOptions {
  /** `--var NAME:VALUE` overrides of wrangler.toml (and secrets such as CONTROL_TOKEN). */
  vars: Record<string, string>;
  port?: number;
  /** folder for local KV/DO state; a fresh temporary one by default. */
  persistTo?: string;
  /** stream wrangler's output to this process's stderr. */
  echo?: boolean;
  /** the folder the local state's temporary folder is made in (the system's by default). */
  tmpRoot?: string;
  /** another Worker's wrangler.toml (e.g. the benchmark's bare pass-through); the project's by default. */
  config?: string;
}

const ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

/** Starts the real Worker with `wrangler dev` (workerd, local KV and Durable Objects); no Cloudflare login. */
export async function startWorker(opts: StartWorkerOptions): Promise<WorkerHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWorkerOnce(opts);
    } catch (e) {
      // A port found free can still be taken before wrangler binds it (another test file's server): draw
      // new ports, unless the caller asked for that one.
      const taken = e instanceof Error && e.message.includes("Address already in use");
      if (!taken || opts.port !== undefined || attempt === 3) throw e;
    }
  }
}

async function startWorkerOnce(opts: StartWorkerOptions): Promise<WorkerHandle> {
  const port = opts.port ?? (await freePort());
  const inspector = await freePort();
  const ownState = opts.persistTo === undefined;
  const persistTo = opts.persistTo ?? (await mkdtemp(join(opts.tmpRoot ?? tmpdir(), "bg-worker-")));
  const args = [
    WRANGLER,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    persistTo,
    ...(opts.config ? ["--config", opts.config] : []),
    "--show-interactive-dev-session=false",
    "--log-level",
    "info",
    // Many tests write KV by hand and expect routers to read it per FLAG_CACHE_MS: test Workers read KV as
    // often as before unless a test sets KV_FALLBACK_MS (worker/flag and test/sim test the fallback itself).
    ...Object.entries({ KV_FALLBACK_MS: "0", ...opts.vars }).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  const onData = (d: Buffer) => {
    out += d.toString();
    if (opts.echo) process.stderr.write(d);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (ownState) await rm(persistTo, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited with ${child.exitCode}:\n${out}`);
    }
    if (out.includes("Build failed")) {
      await stop();
      throw new Error(`wrangler dev could not build the Worker:\n${out}`);
    }
    if (out.includes("Ready on")) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return { url, port, output: () => out, stop, pgid: child.pid ?? 0 };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`wrangler dev did not become ready within 60 s:\n${out}`);
}
