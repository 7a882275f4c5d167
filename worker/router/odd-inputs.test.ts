import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sleep } from "../../test/support/api";
import { type EchoOrigin, type EchoPair, echoPair } from "../../test/support/echo-pair";
import { putLocalKv } from "../../test/support/local-kv";
import { startWorker, type WorkerHandle } from "../../test/support/worker";

// The ingest path never answers 500 (Cloudflare's answer to an uncaught exception, which OTLP clients
// drop): odd requests get the origin's answer, a 4xx that names the problem, or a retryable 503.
const TOKEN = "odd-inputs-test";

/** Sends raw bytes over HTTP/1.1 and returns the status line's code (0 when the connection just closes). */
function raw(port: number, request: string, opts: { closeAfterMs?: number } = {}): Promise<number> {
  return new Promise((resolve) => {
    let data = "";
    const sock = connect(port, "127.0.0.1", () => sock.write(request));
    sock.on("data", (d) => {
      data += d.toString();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (m) {
        sock.destroy();
        resolve(Number(m[1]));
      }
    });
    sock.on("error", () => resolve(0));
    sock.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    if (opts.closeAfterMs !== undefined) setTimeout(() => sock.destroy(), opts.closeAfterMs);
  });
}

let pair: EchoPair;
let blue: EchoOrigin;
let green: EchoOrigin;
let worker: WorkerHandle;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bg-odd-"));
  pair = await echoPair({ CONTROL_TOKEN: TOKEN, FLAG_CACHE_MS: "100" }, dir);
  ({ blue, green, worker } = pair);
});
afterAll(async () => {
  await pair?.stop();
  await rm(dir, { recursive: true, force: true });
});

const isolate = async () => ((await (await fetch(`${worker.url}/healthz`)).json()) as { isolate: string }).isolate;

describe("odd requests on the ingest path", () => {
  test("unusual methods are proxied like any other", async () => {
    for (const method of ["PROPFIND", "PATCH", "OPTIONS", "DELETE", "MKCOL"]) {
      const res = await fetch(`${worker.url}/ingest`, { method, body: method === "OPTIONS" ? undefined : "{}" });
      expect(res.status, method).toBe(200);
      expect(blue.seen.at(-1)?.method).toBe(method);
    }
    // A method workerd does not know is answered by the runtime itself (501), before the Worker runs.
    expect((await fetch(`${worker.url}/ingest`, { method: "X-CUSTOM", body: "{}" })).status).toBe(501);
  });

  test("odd paths, a long URL and odd header values never give a 500", async () => {
    const started = await isolate();
    const cases: [string, RequestInit][] = [
      ["/%E0%A4%A", {}],
      ["//double//slash", {}],
      [`/ingest?q=${"a".repeat(8000)}`, {}],
      ["/ingest?ü=✓", {}],
      ["/ingest", { headers: { "idempotency-key": "k".repeat(4000) } }],
      ["/ingest", { headers: { "x-deploy-color": "", authorization: `Bearer ${TOKEN}` } }],
      ["/ingest", { headers: { "x-deploy-color": "green", authorization: "Basic Zm9vOmJhcg==" } }],
      ["/ingest", { headers: { "content-type": "application/x-protobuf", "content-encoding": "gzip" } }],
    ];
    for (const [path, init] of cases) {
      const res = await fetch(`${worker.url}${path}`, { method: "POST", body: "{}", ...init });
      expect([200, 400, 401, 413, 414, 431, 503], `${path} ${JSON.stringify(init.headers)}`).toContain(res.status);
      if (res.status !== 200) expect(((await res.json()) as { error: { code: string } }).error.code).toBeTruthy();
    }
    expect(await isolate()).toBe(started);
  });

  test("a huge declared content-length reaches no origin (the 413 itself is tested with a real body)", async () => {
    const started = await isolate();
    const before = blue.seen.length + green.seen.length;
    // The runtime answers only once the body is in (or the client gives up): the client gives up here.
    const status = await raw(
      worker.port,
      "POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n{}",
      { closeAfterMs: 1000 },
    );
    expect([0, 413]).toContain(status);
    expect(blue.seen.length + green.seen.length).toBe(before);
    expect(await isolate()).toBe(started);
  });

  test("bodies the client breaks off (declared or chunked) reach no origin and break nothing", async () => {
    const started = await isolate();
    const before = blue.seen.length + green.seen.length;
    await raw(worker.port, 'POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"half":', {
      closeAfterMs: 300,
    });
    await raw(worker.port, "POST /ingest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", {
      closeAfterMs: 300,
    });
    // A big declared body (streamed) broken off half-way.
    await raw(
      worker.port,
      `POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n${"x".repeat(1024 * 1024)}`,
      { closeAfterMs: 500 },
    );
    await sleep(500);
    expect(blue.seen.length + green.seen.length).toBe(before);
    expect((await fetch(`${worker.url}/ingest`, { method: "POST", body: "{}" })).status).toBe(200);
    expect(await isolate()).toBe(started);
  });

  test("GET with a body and Expect: 100-continue are handled", async () => {
    expect(await raw(worker.port, "GET /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")).not.toBe(500);
    const status = await raw(
      worker.port,
      "POST /ingest HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
    );
    expect([100, 200]).toContain(status);
  });
});

describe("a garbage flag in KV", () => {
  test("never breaks routing: the last known flag (else blue) is used", async () => {
    // Each write spawns wrangler (seconds on a loaded box): three kinds of garbage.
    for (const value of [
      "{not json",
      '{"color":"purple","epoch":1,"deploymentId":null,"updatedAt":"x"}',
      '{"color":"green","epoch":2,"deploymentId":null,"updatedAt":"x","failover":"yes"}',
    ]) {
      await putLocalKv(dir, "active", value);
      await sleep(200);
      const res = await fetch(`${worker.url}/ingest`, { method: "POST", body: "{}" });
      expect(res.status, value).toBe(200);
      expect(res.headers.get("x-served-by"), value).toBe("blue");
    }
  }, 120_000);
});

describe("an internal error", () => {
  test("is a retryable 503, not an uncaught exception (500)", async () => {
    // An origin that is not a URL makes the router's own code throw while building the target.
    const w = await startWorker({ vars: { BLUE_ORIGIN: "not a url", GREEN_ORIGIN: "also not", CONTROL_TOKEN: TOKEN } });
    try {
      const res = await fetch(`${w.url}/v1/logs`, { method: "POST", body: "{}" });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("router_error");
    } finally {
      await w.stop();
    }
  });
});
