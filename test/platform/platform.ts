import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { BodyError, decodeBody, readBody } from "./body";
import type { Faults } from "./faults";
import { readEntries } from "./parse";
import { acknowledgeOnly, search } from "./search";
import type { LogStore } from "./store";

export interface PlatformOptions {
  color: string;
  version: string;
  /** the configuration identity /health reports (`configHash`); "c1" by default. */
  configHash?: string;
  store: LogStore;
  faults?: Faults;
  port?: number;
  host?: string;
  /** called after a `crashAfter` fault killed the server (the CLI exits the process). */
  onCrash?: () => void;
  /**
   * a naive origin: stores whatever it accepts (a batch sent twice is stored twice, whatever its
   * idempotency-key) and its /health does not declare `"idempotency": "key"`.
   */
  naive?: boolean;
}

export interface PlatformStats {
  ingestRequests: number;
  /** ingest requests being handled right now (hung ones excluded: they never finish). */
  inProgress: number;
  /** entries stored (first copies only). */
  stored: number;
  /** batches acked but not stored again: their idempotency key was seen before. */
  duplicates: number;
  /** answered 500 by `errorRate`. */
  failed: number;
  /** answered by `reject` (429, 503, …). */
  rejected: number;
  /** connections cut mid-body (`resetMidBody`). */
  resets: number;
  /** requests left unanswered (`hang`). */
  hung: number;
  /** requests answered late (`slowIngestMs`, `slowUnderLoad`). */
  slow: number;
  /** of those, requests slowed by `slowUnderLoad` (they found too many others in progress). */
  overloaded: number;
  /** ingest requests that were mirrored copies (`x-bluegreen-mirror: 1`). */
  mirrored: number;
  /** bodies that came gzip-encoded. */
  gzipBodies: number;
  /** the largest ingest body taken off the wire, bytes (as sent, before decoding). */
  maxBodyBytes: number;
  /** batches acked into the in-flight buffer (`bufferIngest`) and not yet written to the store. */
  inflight: number;
  /** `GET /drain` calls. */
  drainCalls: number;
}

export interface Platform {
  url: string;
  port: number;
  stats: PlatformStats;
  setVersion(version: string): void;
  setConfigHash(configHash: string): void;
  /** Replaces the faults; with `forMs` they clear themselves after that long. */
  setFaults(faults: Faults): void;
  /** Stops listening and drops open connections, like a crashed process (connections are refused). */
  kill(): Promise<void>;
  /** Listens again on the same port after `kill()`, like the process restarted (faults, version and stats kept). */
  revive(): Promise<void>;
  /** Killed for `ms`, then revived: an outage with a known end. */
  outage(ms: number): Promise<void>;
  close(): Promise<void>;
}

const emptyStats = (): PlatformStats => ({
  ingestRequests: 0,
  inProgress: 0,
  stored: 0,
  duplicates: 0,
  failed: 0,
  rejected: 0,
  resets: 0,
  hung: 0,
  slow: 0,
  mirrored: 0,
  overloaded: 0,
  gzipBodies: 0,
  maxBodyBytes: 0,
  inflight: 0,
  drainCalls: 0,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stand-in log-processing environment: one program, started as blue and as green. */
export async function createPlatform(opts: PlatformOptions): Promise<Platform> {
  let version = opts.version;
  let configHash = opts.configHash ?? "c1";
  // Two nodes behind one address answer health in turn (what a round-robin balancer does).
  let healthAnswers = 0;
  let faults: Faults = {};
  let faultTimer: NodeJS.Timeout | undefined;
  const stats = emptyStats();
  // crashAfter counts from the moment the faults were set.
  let sinceFaults = 0;
  const sockets = new Set<Socket>();
  // The in-flight buffer (`bufferIngest`): acked batches, stored on drain.
  const buffer: { key: string; entries: ReturnType<typeof readEntries> }[] = [];
  const store = (key: string, entries: ReturnType<typeof readEntries>) => {
    const fresh = opts.store.append(key, entries);
    if (fresh) stats.stored += entries.length;
    else stats.duplicates++;
    return fresh;
  };
  let dead = false;
  let closed = false;

  const setFaults = (f: Faults) => {
    clearTimeout(faultTimer);
    faults = f;
    sinceFaults = 0;
    if (f.forMs !== undefined) {
      faultTimer = setTimeout(() => {
        if (faults === f) faults = {};
      }, f.forMs);
    }
  };
  setFaults(opts.faults ?? {});

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    // A slow answer may find the client gone (it timed out): the batch is stored all the same.
    if (res.destroyed) return;
    res.writeHead(status, {
      "content-type": "application/json",
      "x-platform-color": opts.color,
      "x-platform-version": version,
      ...headers,
    });
    res.end(JSON.stringify(body));
  };

  const ingest = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    stats.ingestRequests++;
    sinceFaults++;
    const canary = String(req.headers["idempotency-key"] ?? "").startsWith("canary-");
    const f = faults.spareCanary && canary ? {} : faults;
    if (f.crashAfter !== undefined && sinceFaults > f.crashAfter) {
      await kill();
      opts.onCrash?.();
      return;
    }
    if (f.resetMidBody) {
      stats.resets++;
      const cut = () => req.socket.destroy();
      req.once("data", cut);
      req.once("end", cut);
      return;
    }
    if (f.hang) {
      stats.hung++;
      req.resume();
      return;
    }
    if (req.headers["x-bluegreen-mirror"] === "1") stats.mirrored++;
    const raw = await readBody(req);
    stats.maxBodyBytes = Math.max(stats.maxBodyBytes, raw.length);
    // `inProgress` counts this request too.
    const loaded = f.slowUnderLoad && stats.inProgress - 1 > f.slowUnderLoad.above ? f.slowUnderLoad.ms : 0;
    if (loaded) stats.overloaded++;
    const late = (f.slowIngestMs ?? 0) + loaded;
    if (late) {
      stats.slow++;
      await sleep(late);
    }
    if (f.reject) {
      stats.rejected++;
      const retryAfter = f.reject.retryAfterSeconds;
      return send(
        res,
        f.reject.status,
        { error: `injected ${f.reject.status}` },
        retryAfter === undefined ? {} : { "retry-after": String(retryAfter) },
      );
    }
    const contentType = req.headers["content-type"] ?? "";
    const failsHere =
      (!f.errorPaths || f.errorPaths.includes(path)) &&
      (!f.errorContentTypes || f.errorContentTypes.some((t) => contentType.includes(t)));
    if (failsHere && Math.random() < (f.errorRate ?? 0)) {
      stats.failed++;
      return send(res, 500, { error: "injected fault" });
    }
    const encoding = req.headers["content-encoding"];
    if (encoding?.toLowerCase().includes("gzip")) stats.gzipBodies++;
    const body = await decodeBody(raw, encoding);
    let entries: ReturnType<typeof readEntries>;
    try {
      entries = readEntries(path, body, contentType, { color: opts.color, version });
    } catch (e) {
      return send(res, 400, { error: `unparseable batch: ${(e as Error).message}` });
    }
    const given = req.headers["idempotency-key"];
    // A naive origin (or a release that broke its promise) keys every batch afresh: nothing is dropped.
    const key = given && !opts.naive && !f.ignoreIdempotencyKey ? String(given) : randomUUID();
    if (f.acknowledgeButDrop || f.storeDelayMs) {
      const later = () => {
        if (opts.store.append(key, entries)) stats.stored += entries.length;
      };
      return acknowledgeOnly(res, f, later, entries.length, send);
    }
    if (f.bufferIngest) {
      buffer.push({ key, entries });
      stats.inflight = buffer.length;
      return send(res, 200, { accepted: entries.length, buffered: true });
    }
    const fresh = store(key, entries);
    // Acked only now: the batch is committed to the shared store.
    return send(res, 200, { accepted: entries.length, duplicate: !fresh });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (faults.latencyMs) await sleep(faults.latencyMs);
    const url = new URL(req.url ?? "/", "http://platform");
    if (req.method === "GET" && url.pathname === "/health") {
      const node = (healthAnswers++ % 2) + 1;
      const old = node === 2 ? faults.halfRolled : undefined;
      return send(res, faults.unhealthy ? 503 : 200, {
        status: faults.unhealthy ? "unhealthy" : "ok",
        version: old?.version ?? faults.reportVersion ?? version,
        configHash: old?.configHash ?? configHash,
        node: `${opts.color}-${node}`,
        color: opts.color,
        // It drops a batch whose idempotency-key it has stored (the Worker mirrors only to such a color).
        ...(opts.naive ? {} : { idempotency: "key" }),
      });
    }
    if (req.method === "GET" && url.pathname === "/drain") {
      stats.drainCalls++;
      if (!faults.holdBuffer) for (const b of buffer.splice(0)) store(b.key, b.entries);
      stats.inflight = buffer.length;
      return send(res, 200, { inflight: buffer.length });
    }
    if (req.method === "GET" && url.pathname === "/search") return search(res, url, opts.store, send);
    if (req.method === "GET" && url.pathname === "/stats")
      return send(res, 200, { color: opts.color, version, ...stats });
    if (req.method === "POST" && (url.pathname === "/ingest" || url.pathname === "/v1/logs")) {
      stats.inProgress++;
      return ingest(req, res, url.pathname).finally(() => stats.inProgress--);
    }
    return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) send(res, e instanceof BodyError ? e.status : 500, { error: e.message });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, opts.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });

  const kill = async () => {
    if (dead) return;
    dead = true;
    const stopped = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await stopped;
  };

  await listen(opts.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const revive = async () => {
    if (!dead || closed) return;
    await listen(port);
    dead = false;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    setVersion: (v) => {
      version = v;
    },
    setConfigHash: (h) => {
      configHash = h;
    },
    setFaults,
    kill,
    revive,
    outage: async (ms) => {
      await kill();
      await sleep(ms);
      await revive();
    },
    close: async () => {
      closed = true;
      clearTimeout(faultTimer);
      await kill();
    },
  };
}
