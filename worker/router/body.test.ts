import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { type EchoOrigin, type EchoPair, echoPair } from "../../test/support/echo-pair";
import type { WorkerHandle } from "../../test/support/worker";

// Bodies up to MAX_BODY_BYTES (default 20 MiB): buffered for replay up to REPLAY_BUFFER_BYTES, streamed above.
const MiB = 1024 * 1024;
const MAX = 20 * MiB;
let pair: EchoPair;
let blue: EchoOrigin;
let green: EchoOrigin;
let worker: WorkerHandle;

beforeAll(async () => {
  // MAX_BODY_BYTES is not set: the default (20 MiB) is under test.
  pair = await echoPair({ REPLAY_BUFFER_BYTES: String(MiB) });
  ({ blue, green, worker } = pair);
});
afterAll(() => pair?.stop());
afterEach(() => blue.setStatus(200));

const ndjson = (bytes: number, tag: string) => {
  const line = `{"tag":"${tag}","pad":"${"p".repeat(200)}"}\n`;
  return line.repeat(Math.floor(bytes / line.length));
};

function chunked(text: string, chunkBytes = 256 * 1024): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, at + chunkBytes));
      at += chunkBytes;
    },
  });
}

const post = (body: BodyInit, path = "/ingest") =>
  fetch(`${worker.url}${path}`, { method: "POST", body, duplex: "half" } as RequestInit);

test("a 20 MiB batch (the OTLP size) is accepted and streamed to the origin intact, with its content-length", async () => {
  const body = ndjson(MAX, "big");
  expect(body.length).toBeGreaterThan(MAX - 300);
  const res = await post(body);
  expect(res.status).toBe(200);
  expect(res.headers.get("x-served-by")).toBe("blue");
  const seen = blue.seen.at(-1);
  expect(seen?.body.length).toBe(body.length);
  expect(seen?.body === body).toBe(true);
  expect(seen?.headers["content-length"]).toBe(String(body.length));
  // Streamed bodies cannot be hashed before they are sent: a random key.
  expect(seen?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
});

test("one byte over MAX_BODY_BYTES is a 413, declared or streamed without a length, and reaches no origin", async () => {
  const before = blue.seen.length + green.seen.length;
  const over = "x".repeat(MAX + 1);
  const declared = await post(over);
  expect(declared.status).toBe(413);
  expect(await declared.json()).toEqual({ error: { code: "payload_too_large", message: expect.any(String) } });
  const streamed = await post(chunked(over));
  expect(streamed.status).toBe(413);
  expect(blue.seen.length + green.seen.length).toBe(before);
});

test("a body without content-length above REPLAY_BUFFER_BYTES is streamed through intact", async () => {
  const body = ndjson(3 * MiB, "chunked");
  const res = await post(chunked(body));
  expect(res.status).toBe(200);
  expect(blue.seen.at(-1)?.body === body).toBe(true);
});

test("a body under REPLAY_BUFFER_BYTES, without content-length, is buffered and replayed on failover", async () => {
  blue.setStatus(503);
  const body = ndjson(MiB / 2, "small");
  const res = await post(chunked(body, 64 * 1024));
  expect(res.status).toBe(200);
  expect(res.headers.get("x-served-by")).toBe("green");
  expect(green.seen.at(-1)?.body === body).toBe(true);
  expect(green.seen.at(-1)?.headers["idempotency-key"]).toBe(blue.seen.at(-1)?.headers["idempotency-key"]);
});

test("a streamed body the active color fails is answered 503 + Retry-After (retryable), not passed through", async () => {
  blue.setStatus(500);
  const before = green.seen.length;
  const res = await post(ndjson(2 * MiB, "streamed-fail"));
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBe("1");
  const { error } = (await res.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe("origin_unavailable");
  expect(error.message).toContain("blue 500");
  expect(error.message).toContain("not replayed");
  // It was sent to one color only: a streamed body cannot be replayed.
  expect(green.seen.length).toBe(before);
});
