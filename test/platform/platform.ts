import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Faults } from "./faults";
import type { LogStore, StoredEntry } from "./store";

export interface PlatformOptions {
  color: string;
  version: string;
  store: LogStore;
  faults?: Faults;
  port?: number;
  host?: string;
  /** called after a `crashAfter` fault killed the server (the CLI exits the process). */
  onCrash?: () => void;
}

export interface Platform {
  url: string;
  port: number;
  stats: { ingestRequests: number; stored: number; duplicates: number; failed: number };
  setVersion(version: string): void;
  setFaults(faults: Faults): void;
  /** Stops listening and drops open connections, like a crashed process. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY = 10 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error("body too large"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const num = (v: unknown): number | null =>
  typeof v === "number" && Number.isFinite(v)
    ? v
    : v != null && v !== "" && Number.isFinite(Number(v))
      ? Number(v)
      : null;

/** JSON array, `{entries:[…]}`, one JSON object, or NDJSON. */
export function parseBatch(text: string, contentType: string): Record<string, unknown>[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  if (!contentType.includes("ndjson") && (trimmed.startsWith("[") || trimmed.startsWith("{"))) {
    try {
      const v: unknown = JSON.parse(trimmed);
      if (Array.isArray(v)) return v as Record<string, unknown>[];
      const o = v as { entries?: unknown };
      if (Array.isArray(o.entries)) return o.entries as Record<string, unknown>[];
      return [v as Record<string, unknown>];
    } catch {
      // fall through to NDJSON (several objects, one a line)
    }
  }
  return trimmed
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number };
interface OtlpRecord {
  attributes?: Array<{ key: string; value: OtlpValue }>;
  body?: OtlpValue;
}
interface OtlpLogs {
  resourceLogs?: Array<{ scopeLogs?: Array<{ logRecords?: OtlpRecord[] }> }>;
}

/** OTLP/HTTP JSON logs: each log record is an entry; `producer` and `seq` come from its attributes. */
export function parseOtlp(text: string): Record<string, unknown>[] {
  const doc = JSON.parse(text) as OtlpLogs;
  const out: Record<string, unknown>[] = [];
  for (const rl of doc.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const rec of sl.logRecords ?? []) {
        const attrs: Record<string, unknown> = {};
        for (const a of rec.attributes ?? [])
          attrs[a.key] = a.value.stringValue ?? a.value.intValue ?? a.value.doubleValue;
        out.push({ ...attrs, message: rec.body?.stringValue ?? null });
      }
    }
  }
  return out;
}

/** The stand-in log-processing environment: one program, started as blue and as green. */
export function createPlatform(opts: PlatformOptions): Promise<Platform> {
  let version = opts.version;
  let faults: Faults = opts.faults ?? {};
  const stats = { ingestRequests: 0, stored: 0, duplicates: 0, failed: 0 };
  // crashAfter counts from the moment the faults were set.
  let sinceFaults = 0;
  const sockets = new Set<Socket>();
  let dead = false;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      "content-type": "application/json",
      "x-platform-color": opts.color,
      "x-platform-version": version,
    });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const url = new URL(req.url ?? "/", "http://platform");
    if (req.method === "GET" && url.pathname === "/health") {
      const reported = faults.reportVersion ?? version;
      return send(res, faults.unhealthy ? 503 : 200, {
        status: faults.unhealthy ? "unhealthy" : "ok",
        version: reported,
        color: opts.color,
      });
    }
    if (req.method === "GET" && url.pathname === "/stats")
      return send(res, 200, { color: opts.color, version, ...stats });
    if (req.method === "POST" && (url.pathname === "/ingest" || url.pathname === "/v1/logs")) {
      stats.ingestRequests++;
      sinceFaults++;
      if (faults.crashAfter !== undefined && sinceFaults > faults.crashAfter) {
        await kill();
        opts.onCrash?.();
        return;
      }
      const text = await readBody(req);
      const failsHere = !faults.errorPaths || faults.errorPaths.includes(url.pathname);
      if (failsHere && Math.random() < (faults.errorRate ?? 0)) {
        stats.failed++;
        return send(res, 500, { error: "injected fault" });
      }
      let records: Record<string, unknown>[];
      try {
        records = url.pathname === "/v1/logs" ? parseOtlp(text) : parseBatch(text, req.headers["content-type"] ?? "");
      } catch (e) {
        return send(res, 400, { error: `unparseable batch: ${(e as Error).message}` });
      }
      const entries: StoredEntry[] = records.map((r) => ({
        producer: typeof r.producer === "string" ? r.producer : null,
        seq: num(r.seq),
        color: opts.color,
        version,
        body: JSON.stringify(r),
      }));
      const key = String(req.headers["idempotency-key"] ?? randomUUID());
      const fresh = opts.store.append(key, entries);
      if (fresh) stats.stored += entries.length;
      else stats.duplicates++;
      // Acked only now: the batch is committed to the shared store.
      return send(res, 200, { accepted: entries.length, duplicate: !fresh });
    }
    return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) send(res, 500, { error: e.message });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  const kill = async () => {
    if (dead) return;
    dead = true;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  };

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        stats,
        setVersion: (v) => {
          version = v;
        },
        setFaults: (f) => {
          faults = f;
          sinceFaults = 0;
        },
        kill,
        close: kill,
      });
    });
  });
}
