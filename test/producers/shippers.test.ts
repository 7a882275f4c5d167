// Vector's and Fluent Bit's retry semantics as the fault matrix uses them, checked against the stand-in ctx.platform.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "vitest";
import { sleep } from "../support/api";
import { auditStore } from "../support/audit";
import { platformPerTest } from "./fixture";
import { HttpShipper } from "./http-shipper";
import { FLUENT_BIT_RETRY, fluentBitShipper, VECTOR_RETRY, vectorShipper } from "./shippers";

const ctx = platformPerTest();

const retried = (policy: { retries(s: number): boolean }, statuses: number[]) =>
  statuses.filter((s) => policy.retries(s));
const STATUSES = [400, 401, 408, 413, 429, 500, 501, 502, 503, 504];

test("Vector: 429 and 5xx except 501 are retried, without limit, Fibonacci backoff capped at 30 s", () => {
  expect(retried(VECTOR_RETRY, STATUSES)).toEqual([429, 500, 502, 503, 504]);
  expect(VECTOR_RETRY.maxAttempts).toBe(Number.POSITIVE_INFINITY);
  for (const [attempt, cap] of [
    [1, 1000],
    [4, 3000],
    [6, 8000],
    [20, 30_000],
  ] as const) {
    const d = VECTOR_RETRY.delayMs(attempt);
    expect(d).toBeGreaterThanOrEqual(0);
    expect(d).toBeLessThanOrEqual(cap);
  }
});

test("Fluent Bit: a 4xx other than 408/429 is dropped, everything else retried once after 5-10 s", () => {
  expect(retried(FLUENT_BIT_RETRY, STATUSES)).toEqual([408, 429, 500, 501, 502, 503, 504]);
  expect(FLUENT_BIT_RETRY.maxAttempts).toBe(2);
  const delays = Array.from({ length: 50 }, () => FLUENT_BIT_RETRY.delayMs(1));
  expect(Math.min(...delays)).toBeGreaterThanOrEqual(5000);
  expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
});

test("Fluent Bit's budget: a batch that keeps failing is sent twice, then dropped (and counted lost)", async () => {
  ctx.platform.setFaults({ errorRate: 1 });
  // The attempt count is the policy's; only the wait between the two attempts is shortened here.
  const shipper = new HttpShipper({
    url: ctx.platform.url,
    producer: "fb",
    entriesPerSecond: 100,
    batchSize: 10,
    idempotencyKeys: false,
    retry: { ...FLUENT_BIT_RETRY, delayMs: () => 20 },
  });
  shipper.start();
  await sleep(300);
  const stats = await shipper.stop();
  const batches = stats.sent / 10;
  expect(ctx.platform.stats.ingestRequests).toBe(2 * batches);
  expect(stats).toMatchObject({ acked: 0, dropped: stats.sent, retries: batches });
  expect(auditStore(ctx.store, [stats])[0]?.lost).toBe(stats.sent);
});

test("neither standard shipper sends an idempotency key; a gzip shipper says content-encoding: gzip", async () => {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume().on("end", () => res.writeHead(200).end("{}"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const shippers = [
      vectorShipper({ url, producer: "v", entriesPerSecond: 100, batchSize: 10 }),
      fluentBitShipper({ url, producer: "f", entriesPerSecond: 100, batchSize: 10, gzip: true }),
    ];
    for (const s of shippers) s.start();
    await sleep(300);
    await Promise.all(shippers.map((s) => s.stop()));
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.filter((h) => "idempotency-key" in h)).toEqual([]);
    expect(new Set(seen.map((h) => h["content-encoding"] ?? "none"))).toEqual(new Set(["none", "gzip"]));
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test("Vector rides out a 503 window by retrying; gzip bodies and a large batch are stored whole", async () => {
  ctx.platform.setFaults({ reject: { status: 503, retryAfterSeconds: 1 }, forMs: 1500 });
  const shipper = vectorShipper({
    url: ctx.platform.url,
    producer: "vec",
    entriesPerSecond: 100,
    batchSize: 10,
    gzip: true,
  });
  shipper.start();
  shipper.sendLarge(4 * 1024 * 1024);
  await sleep(500);
  const stats = await shipper.stop();
  expect(ctx.platform.stats.rejected).toBeGreaterThan(0);
  expect(ctx.platform.stats.gzipBodies).toBeGreaterThan(0);
  expect(stats.retries).toBeGreaterThan(0);
  expect(auditStore(ctx.store, [stats])[0]).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0 });
});
