// The V8 inspector of the isolates in a workerd process, found through /proc and spoken to with the Chrome
// DevTools protocol (Linux only; for `npm run soak`).
import { createWriteStream } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** Ports in LISTEN state owned by process `pid` (socket inodes of its fds, matched in net/tcp). */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ""));
    if (m?.[1]) inodes.add(m[1]);
  }
  const ports: number[] = [];
  for (const line of (await readFile(`/proc/${pid}/net/tcp`, "utf8")).split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    // local_address is hex ip:port; state 0A = LISTEN; the inode is field 9.
    if (f[3] === "0A" && f[9] && inodes.has(f[9])) ports.push(Number.parseInt(f[1]?.split(":")[1] ?? "0", 16));
  }
  return ports;
}

export interface Target {
  /** `core:user:<name>` for a user Worker; wrangler's own services have other ids (`core:entry`, `kv:ns`, …). */
  id: string;
  webSocketDebuggerUrl: string;
}

/** Every isolate workerd process `pid` exposes to its inspector: the user Worker's and wrangler's own. */
export async function inspectorTargets(pid: number): Promise<Target[]> {
  for (const port of await listeningPorts(pid)) {
    const targets = await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(2000) })
      .then((r) => (r.ok ? (r.json() as Promise<Target[]>) : []))
      .catch(() => []);
    if (Array.isArray(targets) && targets.length) return targets;
  }
  throw new Error(`workerd ${pid} has no inspector`);
}

/**
 * A Chrome DevTools protocol session with one isolate. workerd runs some commands (garbage collection,
 * snapshots) only when the isolate next runs a request, so `poke` sends one while a command waits.
 */
export class Inspector {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (e: Error) => void }>();
  private onChunk: ((chunk: string) => void) | null = null;

  private constructor(
    private readonly ws: WebSocket,
    private readonly poke: () => Promise<unknown>,
  ) {
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as { id?: number; method?: string; params?: { chunk: string } };
      if (m.method === "HeapProfiler.addHeapSnapshotChunk") this.onChunk?.(m.params?.chunk ?? "");
      const done = m.id === undefined ? undefined : this.pending.get(m.id);
      if (done && m.id !== undefined) {
        this.pending.delete(m.id);
        done.resolve((m as { result?: unknown }).result);
      }
    };
  }

  /**
   * workerd keeps one inspector session per isolate: a new one displaces wrangler's, and its first command
   * may be lost in the swap. So the session counts as open once a command is answered; else reconnect.
   */
  static async connect(url: string, poke: () => Promise<unknown>): Promise<Inspector> {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const ws = new WebSocket(url);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error(`cannot connect to the inspector at ${url}`));
      });
      const session = new Inspector(ws, poke);
      const answered = await session.call("Runtime.getHeapUsage", {}, 3000).then(
        () => true,
        () => false,
      );
      if (answered) return session;
      session.close();
    }
    throw new Error(`the inspector at ${url} does not answer`);
  }

  /** Sends a command; rejects when it is not answered within `timeoutMs`. */
  async call<T>(method: string, params: object = {}, timeoutMs = 10_000): Promise<T> {
    const id = ++this.nextId;
    let timer: NodeJS.Timeout | undefined;
    const result = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer from the inspector within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    this.ws.send(JSON.stringify({ id, method, params }));
    let waiting = true;
    const stop = () => {
      waiting = false;
      clearTimeout(timer);
    };
    result.then(stop, stop);
    // Ends by itself once answered; the answer is not held up by it.
    void (async () => {
      while (waiting) {
        await sleep(250);
        if (waiting) await this.poke().catch(() => undefined);
      }
    })();
    return result;
  }

  /**
   * A full garbage collection. workerd runs it only when the isolate next runs a request: an isolate no
   * request reaches (an unused binding's) does not answer, and has nothing to collect.
   */
  async collect(): Promise<boolean> {
    return this.call("HeapProfiler.collectGarbage", {}, 3000).then(
      () => true,
      () => false,
    );
  }

  /** The isolate's V8 heap as it is (garbage not yet collected included), in MiB. */
  async heap(): Promise<{ used: number; total: number }> {
    const u = await this.call<{ usedSize: number; totalSize: number }>("Runtime.getHeapUsage");
    return { used: u.usedSize / 2 ** 20, total: u.totalSize / 2 ** 20 };
  }

  /** Writes a heap snapshot (which V8 takes after a full GC) to `path`. */
  async snapshot(path: string): Promise<void> {
    const file = createWriteStream(path);
    this.onChunk = (chunk) => file.write(chunk);
    try {
      await this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false }, 300_000);
    } finally {
      this.onChunk = null;
      await new Promise((r) => file.end(r));
    }
  }

  close(): void {
    for (const p of this.pending.values()) p.reject(new Error("inspector session closed"));
    this.pending.clear();
    this.ws.close();
  }
}
