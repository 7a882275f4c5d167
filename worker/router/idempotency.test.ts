import { afterAll, beforeAll, expect, test } from "vitest";
import { echoOrigin } from "../../test/support/echo-origin";
import { startWorker, type WorkerHandle } from "../../test/support/worker";

// IDEMPOTENCY=content (default): a request without idempotency-key gets one derived from its content.
type Origin = Awaited<ReturnType<typeof echoOrigin>>;
let origin: Origin;
let content: WorkerHandle;
let random: WorkerHandle;

beforeAll(async () => {
  origin = await echoOrigin("blue");
  const vars = { BLUE_ORIGIN: origin.url, GREEN_ORIGIN: origin.url, CONTROL_TOKEN: "idem-test" };
  [content, random] = await Promise.all([
    startWorker({ vars }),
    startWorker({ vars: { ...vars, IDEMPOTENCY: "random" } }),
  ]);
});
afterAll(async () => {
  await Promise.all([content?.stop(), random?.stop()]);
  await origin?.close();
});

async function keyOf(w: WorkerHandle, path: string, body: string, method = "POST") {
  expect((await fetch(`${w.url}${path}`, { method, body })).status).toBe(200);
  return String(origin.seen.at(-1)?.headers["idempotency-key"]);
}

test("a shipper's retry of the same batch carries the same key; any other batch another one", async () => {
  const batch = '{"producer":"otel","seq":1}\n';
  const first = await keyOf(content, "/v1/logs", batch);
  expect(first).toMatch(/^[0-9a-f]{64}$/);
  expect(await keyOf(content, "/v1/logs", batch)).toBe(first);
  const others = [
    await keyOf(content, "/v1/logs", '{"producer":"otel","seq":2}\n'),
    await keyOf(content, "/ingest", batch),
    await keyOf(content, "/v1/logs?tenant=b", batch),
    await keyOf(content, "/v1/logs", batch, "PUT"),
  ];
  expect(new Set([first, ...others]).size).toBe(5);
});

test("IDEMPOTENCY=random: every request without a key gets a fresh one", async () => {
  const batch = '{"producer":"otel","seq":1}\n';
  const a = await keyOf(random, "/v1/logs", batch);
  const b = await keyOf(random, "/v1/logs", batch);
  expect(a).toMatch(/^[0-9a-f-]{36}$/);
  expect(a).not.toBe(b);
});
