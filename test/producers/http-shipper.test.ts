// The shipper straight against one platform origin (no Worker): its retries must never lose or double a batch.
import { createServer } from "node:http";
import { expect, test } from "vitest";
import { sleep } from "../support/api";
import { auditStore } from "../support/audit";
import { freePort } from "../support/ports";
import { platformPerTest } from "./fixture";
import { exponentialRetry, HttpShipper } from "./http-shipper";

const ctx = platformPerTest();

test("5xx answers are retried until stored, each entry exactly once", async () => {
  ctx.platform.setFaults({ errorRate: 0.5 });
  // Short backoff and many attempts: half the requests fail, a batch may need several tries.
  const shipper = new HttpShipper({
    url: ctx.platform.url,
    producer: "flaky",
    entriesPerSecond: 200,
    batchSize: 10,
    retry: exponentialRetry({ maxAttempts: 40, baseMs: 10, maxMs: 100 }),
  });
  shipper.start();
  await sleep(1000);
  const stats = await shipper.stop();
  const [audit] = auditStore(ctx.store, [stats]);
  expect(stats.retries).toBeGreaterThan(0);
  expect(stats.errors["500"]).toBeGreaterThan(0);
  expect(stats.acked).toBe(stats.sent);
  expect(audit).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0 });
});

/** Forwards to `target`, but cuts the connection instead of answering the first `lose` requests (after they were stored). */
async function ackLosingProxy(target: string, lose: number): Promise<{ url: string; close(): Promise<void> }> {
  let seen = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: { "content-type": "application/x-ndjson", "idempotency-key": String(req.headers["idempotency-key"]) },
      body: Buffer.concat(chunks),
    });
    const body = await upstream.text();
    if (++seen <= lose) return res.socket?.destroy();
    res.writeHead(upstream.status, { "content-type": "application/json" }).end(body);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

test("a lost acknowledgement is retried with the same idempotency key: stored once", async () => {
  const proxy = await ackLosingProxy(ctx.platform.url, 5);
  try {
    const shipper = new HttpShipper({ url: proxy.url, producer: "unacked", entriesPerSecond: 200, batchSize: 10 });
    shipper.start();
    await sleep(500);
    const stats = await shipper.stop();
    const [audit] = auditStore(ctx.store, [stats]);
    expect(stats.errors.network).toBe(5);
    expect(ctx.platform.stats.duplicates).toBe(5);
    expect(stats.acked).toBe(stats.sent);
    expect(audit).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0 });
  } finally {
    await proxy.close();
  }
});

test("stop() is bounded when nothing answers, and reports what was given up", async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const shipper = new HttpShipper({ url, producer: "nowhere", entriesPerSecond: 100, batchSize: 10 });
  shipper.start();
  await sleep(300);
  const started = Date.now();
  const stats = await shipper.stop(500);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(stats.sent).toBeGreaterThan(0);
  expect(stats.acked).toBe(0);
  expect(stats.dropped).toBe(stats.sent);
  expect(stats.errors.network).toBeGreaterThan(0);
});
