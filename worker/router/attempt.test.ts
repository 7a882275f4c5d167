import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { sleep } from "../../test/support/api";
import { type EchoOrigin, type EchoPair, echoPair } from "../../test/support/echo-pair";
import type { WorkerHandle } from "../../test/support/worker";
import { withoutSpool } from "../../test/support/wrangler-config";
import { attempt } from "./attempt";

// Per-attempt timeout (ORIGIN_TIMEOUT_MS) and the client's disconnect, through the real Worker.
const TIMEOUT_MS = 1000;
let pair: EchoPair;
let blue: EchoOrigin;
let green: EchoOrigin;
let worker: WorkerHandle;

beforeAll(async () => {
  // Ejection has its own tests; here every request tries the active color first.
  // Without the spool bindings: a request no color takes is answered 503 (the spool has worker/spool/spool.test.ts).
  pair = await echoPair(
    { ORIGIN_TIMEOUT_MS: String(TIMEOUT_MS), REPLAY_BUFFER_BYTES: "1024", EJECT_AFTER: "0" },
    undefined,
    withoutSpool(),
  );
  ({ blue, green, worker } = pair);
});
afterAll(() => pair?.stop());
afterEach(() => {
  for (const o of [blue, green]) {
    o.setDelay(0);
    o.setStatus(200);
  }
});

const healthz = async () => (await (await fetch(`${worker.url}/healthz`)).json()) as { timeouts: number };

async function timed(init: RequestInit & { path?: string } = {}) {
  const started = Date.now();
  const res = await fetch(`${worker.url}${init.path ?? "/ingest"}`, { method: "POST", body: '{"n":1}', ...init });
  return { res, ms: Date.now() - started, text: await res.text() };
}

describe("per-attempt timeout", () => {
  test("a hung active color is failed over after ORIGIN_TIMEOUT_MS with the same idempotency-key", async () => {
    blue.setDelay(Number.POSITIVE_INFINITY);
    const before = await healthz();
    const { res, ms } = await timed({ headers: { "idempotency-key": "hung-1" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-served-by")).toBe("green");
    expect(res.headers.get("x-failover-from")).toBe("blue");
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(TIMEOUT_MS + 4000);
    expect(green.seen.at(-1)?.headers["idempotency-key"]).toBe("hung-1");
    expect((await healthz()).timeouts).toBe(before.timeouts + 1);
  });

  test("a slow active color (answers after 2× the timeout) is failed over too", async () => {
    blue.setDelay(2 * TIMEOUT_MS);
    const { res } = await timed();
    expect(res.headers.get("x-served-by")).toBe("green");
    expect(res.status).toBe(200);
  });

  test("both colors hung: a retryable 503 after two timeouts, never a hang", async () => {
    blue.setDelay(Number.POSITIVE_INFINITY);
    green.setDelay(Number.POSITIVE_INFINITY);
    const { res, ms, text } = await timed();
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(JSON.parse(text)).toEqual({
      error: { code: "origin_unavailable", message: "no color took the request: blue timeout, green timeout" },
    });
    expect(ms).toBeGreaterThanOrEqual(2 * TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(2 * TIMEOUT_MS + 4000);
  });

  test("a streamed body that a slow client uploads for longer than the timeout is not cut", async () => {
    const chunk = new TextEncoder().encode(`${"x".repeat(1023)}\n`);
    const slowClient = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (c.desiredSize === null) return;
        await sleep(TIMEOUT_MS * 0.6);
        c.enqueue(chunk);
        if (++sent === 4) c.close();
      },
    });
    let sent = 0;
    const { res } = await timed({ body: slowClient, duplex: "half" } as RequestInit);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-served-by")).toBe("blue");
    expect(blue.seen.at(-1)?.body.length).toBe(4 * 1024);
  });
});

// wrangler dev does not pass a client's disconnect on to the Worker (its proxy Worker and miniflare's
// entry Worker fetch without the request's signal, and workerd fires request.signal only on Cloudflare):
// the attempt's handling of the signal is tested here, in Node, against a real origin.
describe("the client's abort signal", () => {
  test("abandons a running attempt at once (the origin sees the connection go), with no verdict", async () => {
    blue.setDelay(Number.POSITIVE_INFINITY);
    const before = blue.abandoned();
    const client = new AbortController();
    const started = Date.now();
    const body = { replayable: true as const, bytes: new TextEncoder().encode("{}").buffer, reserved: 0 };
    const pending = attempt(`${blue.url}/ingest`, "POST", new Headers(), body, 10_000, client.signal);
    setTimeout(() => client.abort(), 100);
    const outcome = await pending;
    expect(outcome.kind).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(2000);
    await expect.poll(() => blue.abandoned(), { timeout: 1000 }).toBe(before + 1);
  });
});
