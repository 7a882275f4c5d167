// The edge spool against workerd's own Queue and R2 emulation (wrangler dev): the router's write, the consumer's
// delivery, retries, backpressure and the dead-letter store.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SpoolState, State } from "../../shared";
import { controlApi, sleep } from "../../test/support/api";
import type { Seen } from "../../test/support/echo-origin";
import { type EchoOrigin, type EchoPair, echoPair } from "../../test/support/echo-pair";
import { type Receiver, startReceiver } from "../../test/support/webhook-receiver";
import { derivedConfig } from "../../test/support/wrangler-config";

const TOKEN = "spool-test-token";
const CONCURRENCY = 2;

async function until<T>(what: string, get: () => T | Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}: ${JSON.stringify(v).slice(0, 300)}`);
    await sleep(100);
  }
}

const ingest = (url: string, key: string, body = `{"batch":"${key}"}\n`) =>
  fetch(`${url}/ingest?tenant=t1`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", "idempotency-key": key, authorization: "Bearer platform" },
    body,
  });

const spooledCopies = (o: EchoOrigin, key: string): Seen[] =>
  o.seen.filter((s) => s.headers["x-bluegreen-spooled"] === "1" && s.headers["idempotency-key"] === key);

describe("edge spool (SPOOL and SPOOL_BUCKET bound, as in wrangler.toml)", () => {
  let pair: EchoPair;
  let blue: EchoOrigin;
  let green: EchoOrigin;
  let api: ReturnType<typeof controlApi>;
  let dir: string;
  let webhook: Receiver;
  const spool = async () => (await api.state()).spool as SpoolState;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bg-spool-"));
    webhook = await startReceiver({ secret: "spool-webhook-secret" });
    pair = await echoPair(
      {
        CONTROL_TOKEN: TOKEN,
        ORIGIN_TIMEOUT_MS: "1000",
        FLAG_CACHE_MS: "100",
        SPOOL_RETRY_MAX_SECONDS: "2",
        SPOOL_DELIVERY_CONCURRENCY: String(CONCURRENCY),
        NOTIFY_URLS: webhook.url,
        NOTIFY_SECRET: "spool-webhook-secret",
      },
      dir,
    );
    ({ blue, green } = pair);
    api = controlApi(pair.worker.url, TOKEN);
  });
  afterAll(async () => {
    await pair?.stop();
    await webhook?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const down = (status = 503) => {
    blue.setStatus(status);
    green.setStatus(status);
  };
  const up = () => {
    blue.setStatus(200);
    green.setStatus(200);
    blue.setHeaders({});
  };

  test("no color takes a batch: 202 once stored; retried while the platform is down, delivered once it is up", async () => {
    down();
    const before = await spool();
    const res = await ingest(pair.worker.url, "k-down");
    expect(res.status).toBe(202);
    expect(res.headers.get("x-bluegreen-spooled")).toBe("1");
    // A shipper's retry of the same batch (same key) is stored under the same R2 object: counted once.
    expect((await ingest(pair.worker.url, "k-down")).status).toBe(202);
    // The consumer meets a platform still down: it tries, fails, tries again later.
    await until(
      "two delivery attempts",
      () => spooledCopies(blue, "k-down").length,
      (n) => n >= 2,
    );
    const waiting = await spool();
    expect(waiting.depth).toBe(before.depth + 1);
    expect(waiting.oldestAgeSeconds).not.toBeNull();
    expect(waiting.delivered).toBe(before.delivered);
    up();
    const after = await until("delivered", spool, (s) => s.delivered > before.delivered && s.depth === 0);
    // Delivered once (counted once, though two messages carried it), to the active color, as the shipper sent it.
    expect(after.delivered).toBe(before.delivered + 1);
    const copy = spooledCopies(blue, "k-down").at(-1);
    expect(copy).toMatchObject({ method: "POST", url: "/ingest?tenant=t1", body: '{"batch":"k-down"}\n' });
    expect(copy?.headers.authorization).toBe("Bearer platform");
    expect(copy?.headers["content-type"]).toBe("application/x-ndjson");
    expect(spooledCopies(green, "k-down")).toHaveLength(0);
    const health = (await (await fetch(`${pair.worker.url}/healthz`)).json()) as { spooled: number };
    expect(health.spooled).toBeGreaterThanOrEqual(2);
    // The webhooks were told when batches started waiting, and when the spool was empty again.
    const told = await until(
      "spool.started and spool.drained told",
      () => webhook.payloads.map((p) => p.type),
      (types) => types.includes("spool.drained"),
    );
    expect(told.filter((t) => t.startsWith("spool."))).toEqual(["spool.started", "spool.drained"]);
  });

  test("a spooled request still counts as a failure of the colors that could not take it", async () => {
    down();
    const errors = (s: State) => s.traffic.blue.reduce((n, p) => n + p.errors5xx, 0);
    const before = errors(await api.state());
    expect((await ingest(pair.worker.url, "k-counted")).status).toBe(202);
    await until(
      "the router's counts reach the controller",
      () => api.state(),
      (s) => errors(s) > before,
      10_000,
    );
    up();
    await until("drained", spool, (s) => s.depth === 0);
  });

  test("429 from the platform: the consumer waits its Retry-After, and never runs more deliveries than allowed", async () => {
    down();
    const keys = Array.from({ length: 8 }, (_, i) => `k-bp-${i}`);
    for (const k of keys) expect((await ingest(pair.worker.url, k)).status).toBe(202);
    blue.setHeaders({ "retry-after": "3" });
    blue.setStatus(429);
    const answered429 = () => keys.flatMap((k) => spooledCopies(blue, k)).filter((s) => s.status === 429).length;
    await until("the platform answered 429 six times", answered429, (n) => n >= 6);
    blue.setHeaders({});
    blue.setDelay(300);
    blue.resetMaxInFlight();
    blue.setStatus(200);
    await until("all delivered", spool, (s) => s.depth === 0);
    blue.setDelay(0);
    // After a 429, a batch is sent again no sooner than its Retry-After (3 s, above the 2 s longest backoff here; a little slack for the clock's grain).
    for (const k of keys) {
      const tries = spooledCopies(blue, k);
      for (const [i, t] of tries.entries()) {
        const next = tries[i + 1];
        if (t.status === 429 && next) expect(next.at - t.at, k).toBeGreaterThanOrEqual(2900);
      }
    }
    // Two consumer invocations at most (max_concurrency in wrangler.toml), each with CONCURRENCY deliveries.
    expect(blue.maxInFlight()).toBeLessThanOrEqual(2 * CONCURRENCY);
  });

  test("a 4xx other than 429 is the platform's final word: dead-lettered at once, shown, and replayable", async () => {
    down();
    const before = await spool();
    expect((await ingest(pair.worker.url, "k-refused")).status).toBe(202);
    await until(
      "a first delivery attempt",
      () => spooledCopies(blue, "k-refused").length,
      (n) => n > 0,
    );
    blue.setStatus(400);
    const dead = await until("dead-lettered", spool, (s) => s.deadLettered > before.deadLettered);
    expect(dead.depth).toBe(before.depth);
    const refused = () => spooledCopies(blue, "k-refused").filter((s) => s.status === 400).length;
    expect(refused()).toBe(1);
    up();
    const replay = await api.call<{ replayed: number }>("POST", "/api/spool/replay", {});
    expect(replay).toEqual({ status: 200, json: { replayed: 1 } });
    const after = await until("replayed and delivered", spool, (s) => s.delivered > dead.delivered && s.depth === 0);
    expect(after.deadLettered).toBe(before.deadLettered);
    // Never sent again while dead-lettered; once after the replay.
    expect(refused()).toBe(1);
    expect(spooledCopies(blue, "k-refused").filter((s) => s.status === 200)).toHaveLength(1);
  });

  test("the dashboard has the spool panel", async () => {
    expect(await (await fetch(`${pair.worker.url}/dashboard`)).text()).toContain('id="spool-body"');
    const js = await fetch(`${pair.worker.url}/dashboard/static/js/spool.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).toContain("dead-lettered");
  });

  test("a spool write that fails is answered 503 with Retry-After, never 2xx", async () => {
    down();
    // workerd keeps the local bucket's bodies in this folder: a file in its place makes every R2 put fail.
    const blobs = join(dir, "v3/r2/edge-bluegreen-spool/blobs");
    await mkdir(join(blobs, ".."), { recursive: true });
    if (existsSync(blobs)) await rename(blobs, `${blobs}.away`);
    await writeFile(blobs, "not a folder");
    const healthz = async () =>
      (await (await fetch(`${pair.worker.url}/healthz`)).json()) as { spooled: number; spoolWriteFailures: number };
    const before = await healthz();
    try {
      const res = await ingest(pair.worker.url, "k-unstored");
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(res.headers.get("x-bluegreen-spooled")).toBeNull();
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("origin_unavailable");
      const after = await healthz();
      expect(after.spoolWriteFailures).toBe(before.spoolWriteFailures + 1);
      expect(after.spooled).toBe(before.spooled);
    } finally {
      await rm(blobs, { force: true });
      if (existsSync(`${blobs}.away`)) await rename(`${blobs}.away`, blobs);
    }
    // Storage back: the shipper's retry of the same batch is stored.
    expect((await ingest(pair.worker.url, "k-unstored")).status).toBe(202);
    up();
    await until("drained", spool, (s) => s.depth === 0);
  });
});

describe("edge spool past the queue's max_retries (1 here)", () => {
  let pair: EchoPair;

  beforeAll(async () => {
    const config = derivedConfig("spool-max-retries-1", { spool: true, maxRetries: 1 });
    pair = await echoPair(
      { CONTROL_TOKEN: TOKEN, ORIGIN_TIMEOUT_MS: "1000", SPOOL_RETRY_MAX_SECONDS: "1" },
      undefined,
      config,
    );
  });
  afterAll(() => pair?.stop());

  test("a batch the platform never takes lands in the dead-letter queue and is shown in the state, not lost", async () => {
    const api = controlApi(pair.worker.url, TOKEN);
    pair.blue.setStatus(503);
    pair.green.setStatus(503);
    expect((await ingest(pair.worker.url, "k-never")).status).toBe(202);
    const dead = await until(
      "dead-lettered",
      async () => (await api.state()).spool as SpoolState,
      (s) => s.deadLettered === 1,
    );
    expect(dead).toMatchObject({ depth: 0, delivered: 0, deadLettered: 1 });
    // Two attempts: the first and max_retries (1) retry; then the queue moved it to its dead-letter queue.
    expect(spooledCopies(pair.blue, "k-never")).toHaveLength(2);
    // Its body stays in R2 until replayed: the replay delivers it once the platform is back.
    pair.blue.setStatus(200);
    expect((await api.call("POST", "/api/spool/replay", {})).json).toEqual({ replayed: 1 });
    await until(
      "delivered",
      async () => (await api.state()).spool as SpoolState,
      (s) => s.delivered === 1 && s.deadLettered === 0,
    );
    expect(spooledCopies(pair.blue, "k-never").at(-1)?.status).toBe(200);
  });
});
