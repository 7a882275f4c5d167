import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { controlApi, sleep } from "../../test/support/api";
import { echoOrigin } from "../../test/support/echo-origin";
import { type EchoOrigin, type EchoPair, echoPair } from "../../test/support/echo-pair";
import { putLocalKv } from "../../test/support/local-kv";
import { freePort } from "../../test/support/ports";
import { startWorker, type WorkerHandle } from "../../test/support/worker";
import { withoutSpool } from "../../test/support/wrangler-config";

const TOKEN = "router-test-token";
const FLAG_CACHE_MS = 400;

const healthz = async (w: WorkerHandle) =>
  (await (await fetch(`${w.url}/healthz`)).json()) as {
    flagReads: number;
    flagReadErrors: number;
    fastPathReads: number;
    fastPathFailures: number;
    isolate: string;
  };

describe("edge router", () => {
  let pair: EchoPair;
  let blue: EchoOrigin;
  let green: EchoOrigin;
  let worker: WorkerHandle;

  beforeAll(async () => {
    // Without the spool bindings, the router as before them (worker/spool/spool.test.ts has the spool's own tests).
    pair = await echoPair(
      { CONTROL_TOKEN: TOKEN, FLAG_CACHE_MS: String(FLAG_CACHE_MS), MAX_BODY_BYTES: "1024", DRAIN_SECONDS: "0" },
      undefined,
      withoutSpool(),
    );
    ({ blue, green, worker } = pair);
  });
  afterAll(() => pair?.stop());

  test("proxies method, path, query, headers and body to the active color", async () => {
    const res = await fetch(`${worker.url}/ingest/batch?tenant=a&x=1`, {
      method: "PUT",
      headers: { "content-type": "application/x-ndjson", "x-producer": "vector-1", authorization: "Bearer platform" },
      body: '{"seq":1}\n{"seq":2}\n',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-served-by")).toBe("blue");
    expect(res.headers.get("x-route-epoch")).toBe("0");
    expect(res.headers.get("x-origin")).toBe("blue");
    const seen = blue.seen.at(-1);
    expect(seen).toMatchObject({ method: "PUT", url: "/ingest/batch?tenant=a&x=1", body: '{"seq":1}\n{"seq":2}\n' });
    expect(seen?.headers["x-producer"]).toBe("vector-1");
    // The platform's own credentials pass through; only preview credentials are stripped.
    expect(seen?.headers.authorization).toBe("Bearer platform");
    // No key from the producer: one derived from the content (IDEMPOTENCY=content, the default).
    const content = 'PUT /ingest/batch?tenant=a&x=1\n{"seq":1}\n{"seq":2}\n';
    expect(seen?.headers["idempotency-key"]).toBe(createHash("sha256").update(content).digest("hex"));
    expect(green.seen).toHaveLength(0);
  });

  test("forwards a producer's idempotency-key unchanged", async () => {
    await fetch(`${worker.url}/ingest`, { method: "POST", headers: { "idempotency-key": "batch-42" }, body: "{}" });
    expect(blue.seen.at(-1)?.headers["idempotency-key"]).toBe("batch-42");
  });

  test("reserved paths are not proxied", async () => {
    const before = blue.seen.length;
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${worker.url}/api/state`)).status).toBe(401);
    expect(blue.seen.length).toBe(before);
  });

  test("reads KV at most once per FLAG_CACHE_MS, not per request", async () => {
    const before = await healthz(worker);
    const started = Date.now();
    let sent = 0;
    // At least 2 s and 60 requests, however slow the machine is.
    while (Date.now() - started < 2000 || sent < 60) {
      await Promise.all(
        Array.from({ length: 10 }, () => fetch(`${worker.url}/ingest`, { method: "POST", body: "{}" })),
      );
      sent += 10;
    }
    const elapsed = Date.now() - started;
    const after = await healthz(worker);
    expect(after.isolate).toBe(before.isolate);
    const reads = after.flagReads - before.flagReads;
    expect(sent).toBeGreaterThanOrEqual(50);
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(Math.ceil(elapsed / FLAG_CACHE_MS) + 1);
    // The fast path (FLAG_FAST_PATH, on by default) asks the controller about once per second, not per request.
    const fast = after.fastPathReads - before.fastPathReads;
    expect(fast).toBeGreaterThanOrEqual(1);
    expect(fast).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);
    expect(after.fastPathFailures).toBe(0);
  });

  test("a 413 above MAX_BODY_BYTES, declared or streamed, reaches no origin", async () => {
    const before = blue.seen.length + green.seen.length;
    const big = "x".repeat(2048);
    const declared = await fetch(`${worker.url}/ingest`, { method: "POST", body: big });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: { code: "payload_too_large", message: expect.any(String) } });
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode("y".repeat(512)));
        c.close();
      },
    });
    const chunked = await fetch(`${worker.url}/ingest`, {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(blue.seen.length + green.seen.length).toBe(before);
  });

  test.each([503, 500])("fails over to the standby on %i, replaying the same body and idempotency-key", async (st) => {
    blue.setStatus(st);
    try {
      const body = `{"resourceLogs":[${st}]}`;
      const res = await fetch(`${worker.url}/v1/logs`, { method: "POST", body });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-served-by")).toBe("green");
      expect(res.headers.get("x-failover-from")).toBe("blue");
      const [b, g] = [blue.seen.at(-1), green.seen.at(-1)];
      expect(g?.body).toBe(body);
      expect(b?.body).toBe(body);
      expect(g?.headers["idempotency-key"]).toBe(b?.headers["idempotency-key"]);
    } finally {
      blue.setStatus(200);
    }
  });

  test("the 500 that was failed over is still counted for the color that answered it", async () => {
    const api = controlApi(worker.url, TOKEN);
    const errors = async () => (await api.state()).traffic.blue.reduce((n, p) => n + p.errors5xx, 0);
    const before = await errors();
    blue.setStatus(500);
    try {
      expect((await fetch(`${worker.url}/ingest`, { method: "POST", body: '{"n":500}' })).status).toBe(200);
    } finally {
      blue.setStatus(200);
    }
    // Counters are flushed at most once a second, with a later request.
    await sleep(1100);
    await fetch(`${worker.url}/ingest`, { method: "POST", body: "{}" });
    await expect.poll(errors, { timeout: 5000 }).toBeGreaterThan(before);
  });

  test("a 5xx outside FAILOVER_ON (501) is passed through, not replayed", async () => {
    blue.setStatus(501);
    try {
      const before = green.seen.length;
      const res = await fetch(`${worker.url}/ingest`, { method: "POST", body: "{}" });
      expect(res.status).toBe(501);
      expect(res.headers.get("x-served-by")).toBe("blue");
      expect(green.seen.length).toBe(before);
    } finally {
      blue.setStatus(200);
    }
  });

  test("preview header needs control credentials, and they are not forwarded", async () => {
    const anon = await fetch(`${worker.url}/ingest`, {
      method: "POST",
      headers: { "x-deploy-color": "green" },
      body: "{}",
    });
    expect(anon.status).toBe(401);
    const wrong = await fetch(`${worker.url}/ingest`, {
      method: "POST",
      headers: { "x-deploy-color": "green", authorization: "Bearer nope" },
      body: "{}",
    });
    expect(wrong.status).toBe(401);
    const bad = await fetch(`${worker.url}/ingest`, {
      method: "POST",
      headers: { "x-deploy-color": "purple", authorization: `Bearer ${TOKEN}` },
      body: "{}",
    });
    expect(bad.status).toBe(400);
    const before = green.seen.length;
    const ok = await fetch(`${worker.url}/ingest`, {
      method: "POST",
      headers: { "x-deploy-color": "green", authorization: `Bearer ${TOKEN}` },
      body: '{"preview":true}',
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-served-by")).toBe("green");
    expect(green.seen.length).toBe(before + 1);
    expect(green.seen.at(-1)?.headers.authorization).toBeUndefined();
    expect(green.seen.at(-1)?.headers["x-deploy-color"]).toBeUndefined();
  });

  test("routing follows the flag, and a change is seen within FLAG_CACHE_MS", async () => {
    const api = controlApi(worker.url, TOKEN);
    const flipped = await api.call<{ to: string; flag: { epoch: number } }>("POST", "/api/rollback", {
      reason: "test",
    });
    expect(flipped.status).toBe(200);
    expect(flipped.json.to).toBe("green");
    await sleep(FLAG_CACHE_MS + 50);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${worker.url}/ingest`, { method: "POST", body: "{}" });
      expect(res.headers.get("x-served-by")).toBe("green");
      expect(res.headers.get("x-route-epoch")).toBe(String(flipped.json.flag.epoch));
    }
    const back = await api.call<{ to: string }>("POST", "/api/rollback", {});
    expect(back.json.to).toBe("blue");
    await sleep(FLAG_CACHE_MS + 50);
    expect((await fetch(`${worker.url}/ingest`, { method: "POST", body: "{}" })).headers.get("x-served-by")).toBe(
      "blue",
    );
  });
});

describe("failover when the active origin refuses connections", () => {
  test("the batch is served by the standby with its body intact", async () => {
    const green = await echoOrigin("green");
    const deadPort = await freePort(); // nothing listens here
    const worker = await startWorker({
      vars: { BLUE_ORIGIN: `http://127.0.0.1:${deadPort}`, GREEN_ORIGIN: green.url, CONTROL_TOKEN: TOKEN },
    });
    try {
      const body = JSON.stringify(Array.from({ length: 100 }, (_, seq) => ({ producer: "p", seq })));
      const res = await fetch(`${worker.url}/ingest`, { method: "POST", headers: { "idempotency-key": "k1" }, body });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-served-by")).toBe("green");
      expect(res.headers.get("x-failover-from")).toBe("blue");
      expect(green.seen.at(-1)?.body).toBe(body);
      expect(green.seen.at(-1)?.headers["idempotency-key"]).toBe("k1");
    } finally {
      await worker.stop();
      await green.close();
    }
  });

  test("with both origins down the producer gets a retryable 503 with Retry-After", async () => {
    const [a, b] = [await freePort(), await freePort()];
    // Without the spool bindings: the answer as before them (with them, worker/spool/spool.test.ts: 202).
    const worker = await startWorker({
      vars: { BLUE_ORIGIN: `http://127.0.0.1:${a}`, GREEN_ORIGIN: `http://127.0.0.1:${b}`, CONTROL_TOKEN: TOKEN },
      config: withoutSpool(),
    });
    try {
      const res = await fetch(`${worker.url}/ingest`, { method: "POST", body: "{}" });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(await res.json()).toEqual({
        error: { code: "origin_unavailable", message: "no color took the request: blue network, green network" },
      });
    } finally {
      await worker.stop();
    }
  });
});

describe("when the flag in KV cannot be used", () => {
  test("the router keeps the last flag it knew", async () => {
    const [blue, green] = await Promise.all([echoOrigin("blue"), echoOrigin("green")]);
    const dir = await mkdtemp(join(tmpdir(), "bg-kvfail-"));
    const worker = await startWorker({
      vars: { BLUE_ORIGIN: blue.url, GREEN_ORIGIN: green.url, CONTROL_TOKEN: TOKEN, FLAG_CACHE_MS: "200" },
      persistTo: dir,
    });
    try {
      expect((await controlApi(worker.url, TOKEN).call("POST", "/api/rollback", {})).status).toBe(200);
      await sleep(300);
      expect((await fetch(`${worker.url}/x`)).headers.get("x-served-by")).toBe("green");
      // Corrupt the flag through wrangler's own local KV, as a bad manual edit would.
      await putLocalKv(dir, "active", "{not json");
      // Until the corrupt flag has been read (and rejected, not ignored), every request still goes to green.
      const readErrors = async () => {
        expect((await fetch(`${worker.url}/x`)).headers.get("x-served-by")).toBe("green");
        return (await healthz(worker)).flagReadErrors;
      };
      await expect.poll(readErrors, { timeout: 10_000, interval: 100 }).toBeGreaterThan(0);
      expect((await fetch(`${worker.url}/x`)).headers.get("x-served-by")).toBe("green");
    } finally {
      await worker.stop();
      await Promise.all([blue.close(), green.close()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
