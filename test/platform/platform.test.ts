// The stand-in log platform on its own: what it acks is stored once, in the store both colors share;
// the fault knobs make the "bad releases" the other suites deploy.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, expect, test } from "vitest";
import { createPlatform, type Platform } from "./platform";
import { LogStore } from "./store";

let dir: string;
let store: LogStore;
let blue: Platform;
let green: Platform;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "bg-platform-"));
  store = new LogStore(join(dir, "logs.db"));
  blue = await createPlatform({ color: "blue", version: "v1", store });
  green = await createPlatform({ color: "green", version: "v2", store });
});

afterEach(async () => {
  await Promise.all([blue.close(), green.close()]);
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (p: Platform, path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${p.url}${path}`, { method: "POST", body, headers });

const ndjson = (producer: string, seqs: number[]) => seqs.map((seq) => JSON.stringify({ producer, seq })).join("\n");

test("health reports status, version, configHash, the node that answered, color and the idempotency declaration", async () => {
  const res = await fetch(`${green.url}/health`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    status: "ok",
    version: "v2",
    configHash: "c1",
    node: "green-1",
    color: "green",
    idempotency: "key",
  });
});

test("a half-rolled color: its second node still reports the old version and configHash", async () => {
  green.setConfigHash("c2");
  green.setFaults({ halfRolled: { version: "v1", configHash: "c1" } });
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await (await fetch(`${green.url}/health`)).json());
  expect(answers.map((a) => `${a.node} ${a.version} ${a.configHash}`)).toEqual([
    "green-1 v2 c2",
    "green-2 v1 c1",
    "green-1 v2 c2",
    "green-2 v1 c1",
  ]);
});

test("NDJSON, a JSON array and OTLP JSON are stored; both colors write to one store", async () => {
  expect((await post(blue, "/ingest", ndjson("p", [1, 2]), { "content-type": "application/x-ndjson" })).status).toBe(
    200,
  );
  expect((await post(green, "/ingest", JSON.stringify([{ producer: "p", seq: 3 }]))).status).toBe(200);
  const otlp = {
    resourceLogs: [
      {
        scopeLogs: [
          {
            logRecords: [
              {
                body: { stringValue: "hello" },
                attributes: [
                  { key: "producer", value: { stringValue: "p" } },
                  { key: "seq", value: { intValue: "4" } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  const res = await post(green, "/v1/logs", JSON.stringify(otlp), { "content-type": "application/json" });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ accepted: 1, duplicate: false });
  expect(store.seqs("p")).toEqual([1, 2, 3, 4]);
  expect(store.countBy("color")).toEqual({ blue: 2, green: 2 });
});

test("a batch retried with the same idempotency key is acked but stored once, whichever color gets it", async () => {
  const headers = { "idempotency-key": "batch-1" };
  expect(await (await post(blue, "/ingest", ndjson("q", [1, 2]), headers)).json()).toEqual({
    accepted: 2,
    duplicate: false,
  });
  const again = await post(green, "/ingest", ndjson("q", [1, 2]), headers);
  expect(again.status).toBe(200);
  expect(await again.json()).toEqual({ accepted: 2, duplicate: true });
  expect(store.seqs("q")).toEqual([1, 2]);
});

test("an unparseable batch is a 400 and stores nothing", async () => {
  const res = await post(blue, "/ingest", "{not json\n{also not", { "content-type": "application/x-ndjson" });
  expect(res.status).toBe(400);
  expect(store.total()).toBe(0);
});

test("fault knobs: 500s (optionally per path), wrong version, unhealthy", async () => {
  green.setFaults({ errorRate: 1, errorPaths: ["/v1/logs"] });
  expect((await post(green, "/v1/logs", "{}")).status).toBe(500);
  expect((await post(green, "/ingest", ndjson("r", [1]))).status).toBe(200);
  green.setFaults({ reportVersion: "v1", unhealthy: true });
  const health = await fetch(`${green.url}/health`);
  expect(health.status).toBe(503);
  expect(await health.json()).toMatchObject({ status: "unhealthy", version: "v1" });
  expect(store.seqs("r")).toEqual([1]);
});

test("crashAfter N: the process stops accepting connections after N ingest requests", async () => {
  let crashed = false;
  const fragile = await createPlatform({
    color: "green",
    version: "v3",
    store,
    faults: { crashAfter: 2 },
    onCrash: () => {
      crashed = true;
    },
  });
  try {
    expect((await post(fragile, "/ingest", ndjson("c", [1]))).status).toBe(200);
    expect((await post(fragile, "/ingest", ndjson("c", [2]))).status).toBe(200);
    await expect(post(fragile, "/ingest", ndjson("c", [3]))).rejects.toThrow();
    await expect(fetch(`${fragile.url}/health`)).rejects.toThrow();
    expect(crashed).toBe(true);
    expect(store.seqs("c")).toEqual([1, 2]);
  } finally {
    await fragile.close();
  }
});

test("reset mid-request: the connection is cut once the body starts, nothing is stored", async () => {
  green.setFaults({ resetMidBody: true });
  await expect(post(green, "/ingest", ndjson("cut", [1, 2]))).rejects.toThrow();
  expect(green.stats.resets).toBe(1);
  expect(store.seqs("cut")).toEqual([]);
});

test("hang: the request is accepted and never answered", async () => {
  green.setFaults({ hang: true });
  const res = fetch(`${green.url}/ingest`, {
    method: "POST",
    body: ndjson("h", [1]),
    signal: AbortSignal.timeout(300),
  });
  await expect(res).rejects.toThrow(/abort|timeout/i);
  expect(green.stats.hung).toBe(1);
  expect(store.seqs("h")).toEqual([]);
});

test("slow: a batch whose client gave up is still stored when the platform gets to it (in progress till then); the retry's key drops it", async () => {
  green.setFaults({ slowIngestMs: 400 });
  const headers = { "idempotency-key": "slow-1" };
  const gaveUp = fetch(`${green.url}/ingest`, {
    method: "POST",
    body: ndjson("s", [1, 2]),
    headers,
    signal: AbortSignal.timeout(100),
  });
  await expect(gaveUp).rejects.toThrow();
  expect(green.stats.inProgress).toBe(1);
  // The client's retry lands on the other color first, as a router failover would.
  expect(await (await post(blue, "/ingest", ndjson("s", [1, 2]), headers)).json()).toMatchObject({ duplicate: false });
  await new Promise((r) => setTimeout(r, 600));
  expect(green.stats).toMatchObject({ slow: 1, duplicates: 1, inProgress: 0 });
  expect(store.seqs("s")).toEqual([1, 2]);
});

test("429 and 503 carry Retry-After and store nothing; with forMs the window closes by itself", async () => {
  green.setFaults({ reject: { status: 429, retryAfterSeconds: 2 }, forMs: 300 });
  const limited = await post(green, "/ingest", ndjson("w", [1]));
  expect(limited.status).toBe(429);
  expect(limited.headers.get("retry-after")).toBe("2");
  blue.setFaults({ reject: { status: 503, retryAfterSeconds: 1 } });
  const unavailable = await post(blue, "/ingest", ndjson("w", [2]));
  expect([unavailable.status, unavailable.headers.get("retry-after")]).toEqual([503, "1"]);
  await new Promise((r) => setTimeout(r, 400));
  expect((await post(green, "/ingest", ndjson("w", [3]))).status).toBe(200);
  expect(green.stats.rejected + blue.stats.rejected).toBe(2);
  expect(store.seqs("w")).toEqual([3]);
});

test("a gzip body (content-encoding: gzip) is decoded and stored; a broken one is a 400", async () => {
  const body = gzipSync(ndjson("z", [1, 2, 3]));
  const res = await fetch(`${green.url}/ingest`, { method: "POST", body, headers: { "content-encoding": "gzip" } });
  expect(res.status).toBe(200);
  const broken = await fetch(`${green.url}/ingest`, {
    method: "POST",
    body: "not gzip",
    headers: { "content-encoding": "gzip" },
  });
  expect(broken.status).toBe(400);
  expect(green.stats.gzipBodies).toBe(2);
  expect(store.seqs("z")).toEqual([1, 2, 3]);
});

test("a 20 MiB batch is accepted; more than 32 MiB is a 413", async () => {
  const pad = "x".repeat(1024 * 1024);
  const big = Array.from({ length: 20 }, (_, i) => JSON.stringify({ producer: "big", seq: i + 1, pad })).join("\n");
  expect(Buffer.byteLength(big)).toBeGreaterThan(20 * 1024 * 1024);
  expect((await post(green, "/ingest", big)).status).toBe(200);
  expect(green.stats.maxBodyBytes).toBe(Buffer.byteLength(big));
  expect((await post(green, "/ingest", `${big}\n${big}`)).status).toBe(413);
  expect(store.seqs("big")).toHaveLength(20);
});

test("outage: connections are refused for its length, then the same port answers again", async () => {
  const down = green.outage(300);
  await new Promise((r) => setTimeout(r, 50));
  await expect(fetch(`${green.url}/health`)).rejects.toThrow();
  await down;
  expect((await fetch(`${green.url}/health`)).status).toBe(200);
});

test("bufferIngest: acked batches stay in flight until GET /drain flushes them (not while holdBuffer)", async () => {
  blue.setFaults({ bufferIngest: true, holdBuffer: true });
  for (const seq of [1, 2]) {
    const res = await post(blue, "/ingest", ndjson("buf", [seq]), { "idempotency-key": `k${seq}` });
    expect(res.status).toBe(200);
  }
  // The same batch again (a retry): flushed once.
  await post(blue, "/ingest", ndjson("buf", [2]), { "idempotency-key": "k2" });
  const drain = async () => (await (await fetch(`${blue.url}/drain`)).json()) as { inflight: number };
  expect(await drain()).toEqual({ inflight: 3 });
  expect(store.seqs("buf")).toEqual([]);
  blue.setFaults({ bufferIngest: true });
  expect(await drain()).toEqual({ inflight: 0 });
  expect(store.seqs("buf")).toEqual([1, 2]);
  expect(blue.stats).toMatchObject({ inflight: 0, drainCalls: 2, stored: 2, duplicates: 1 });
});

test("slowUnderLoad: one request at a time is never slowed, concurrent ones are; mirrored copies counted", async () => {
  // slowIngestMs keeps each request in progress long enough for a burst to overlap.
  green.setFaults({ slowIngestMs: 50, slowUnderLoad: { above: 2, ms: 100 } });
  const send = async () =>
    expect((await post(green, "/ingest", ndjson("load", [1]), { "x-bluegreen-mirror": "1" })).status).toBe(200);
  for (let i = 0; i < 3; i++) await send();
  expect(green.stats.overloaded).toBe(0);
  await Promise.all(Array.from({ length: 8 }, send));
  expect(green.stats.overloaded).toBeGreaterThan(0);
  expect(green.stats).toMatchObject({ mirrored: 11, ingestRequests: 11 });
});

test("spareCanary: the faults hit real traffic, not the controller's canary batches", async () => {
  green.setFaults({ errorRate: 1, spareCanary: true });
  const canary = await post(green, "/ingest", ndjson("c", [1]), { "idempotency-key": "canary-d1-1-ndjson-ingest" });
  expect(canary.status).toBe(200);
  expect((await post(green, "/ingest", ndjson("p", [1]), { "idempotency-key": "batch-1" })).status).toBe(500);
  expect((await post(green, "/ingest", ndjson("p", [2]))).status).toBe(500);
  expect(green.stats).toMatchObject({ ingestRequests: 3, failed: 2, stored: 1 });
});
