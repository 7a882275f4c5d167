import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sleep } from "../../test/support/api";
import { type EchoOrigin, type EchoPair, echoPair } from "../../test/support/echo-pair";
import { putLocalKv } from "../../test/support/local-kv";

const TOKEN = "mirror-test-token";
const TIMEOUT_MS = 1500;
/** MAX_MIRRORS_IN_FLIGHT and MIRROR_BUDGET_BYTES (mirror.ts; importing them would pull the Worker's runtime types into the test). */
const MAX_MIRRORS_IN_FLIGHT = 16;
const MIRROR_BUDGET_BYTES = 8 * 1024 * 1024;

// A deployment validating green, as the controller writes it: traffic on blue, no failover, every live
// ingest request copied to green. Written before the Worker starts, so the controller adopts it.
const FLAG = {
  color: "blue",
  epoch: 5,
  deploymentId: "d1",
  updatedAt: "2026-01-01T00:00:00Z",
  failover: false,
  mirror: { color: "green", percent: 100 },
};

describe("mirroring live ingest to the validating color", () => {
  let pair: EchoPair;
  let blue: EchoOrigin;
  let green: EchoOrigin;
  let dir: string;
  let url: string;
  const copies = () => green.seen.filter((s) => s.headers["x-bluegreen-mirror"] === "1");
  const inFlight = async () =>
    ((await (await fetch(`${url}/healthz`)).json()) as { mirrorsInFlight: number }).mirrorsInFlight;
  const post = (body: string, headers: Record<string, string> = {}, path = "/ingest") =>
    fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/x-ndjson", ...headers }, body });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bg-mirror-"));
    await putLocalKv(dir, "active", JSON.stringify(FLAG));
    pair = await echoPair(
      { CONTROL_TOKEN: TOKEN, ORIGIN_TIMEOUT_MS: String(TIMEOUT_MS), REPLAY_BUFFER_BYTES: "2048", DRAIN_SECONDS: "0" },
      dir,
    );
    ({ blue, green } = pair);
    url = pair.worker.url;
  });
  afterAll(async () => {
    await pair?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("a copy goes to the mirror color after the answer, same body and idempotency-key, marked x-bluegreen-mirror", async () => {
    const res = await post('{"seq":1}\n', { "idempotency-key": "batch-1" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-served-by")).toBe("blue");
    expect(res.headers.get("x-route-epoch")).toBe("5");
    expect(blue.seen.at(-1)?.headers["x-bluegreen-mirror"]).toBeUndefined();
    await expect.poll(() => copies().length, { timeout: 5000 }).toBe(1);
    expect(copies()[0]).toMatchObject({ method: "POST", url: "/ingest", body: '{"seq":1}\n' });
    expect(copies()[0]?.headers["idempotency-key"]).toBe("batch-1");
    // A key the router made (content) is the copy's key too: the platform drops the copy as a duplicate.
    await post('{"seq":2}\n', {}, "/v1/logs");
    await expect.poll(() => copies().length, { timeout: 5000 }).toBe(2);
    expect(copies()[1]?.headers["idempotency-key"]).toBe(blue.seen.at(-1)?.headers["idempotency-key"]);
  });

  test("not copied: other methods and paths, previews, answers the platform did not accept, streamed bodies", async () => {
    const before = green.seen.length;
    expect((await fetch(`${url}/ingest`)).status).toBe(200);
    expect((await post("{}", {}, "/search")).status).toBe(200);
    const preview = await post("{}", { "x-deploy-color": "blue", authorization: `Bearer ${TOKEN}` });
    expect(preview.headers.get("x-served-by")).toBe("blue");
    // Above REPLAY_BUFFER_BYTES the body streams to the serving color only.
    expect((await post("x".repeat(4096))).status).toBe(200);
    blue.setStatus(429);
    try {
      expect((await post('{"seq":3}\n')).status).toBe(429);
    } finally {
      blue.setStatus(200);
    }
    // A marker request that is copied: once it arrives, nothing before it was.
    await post('{"marker":true}\n');
    await expect.poll(() => green.seen.length, { timeout: 5000 }).toBe(before + 1);
    expect(green.seen.at(-1)?.body).toBe('{"marker":true}\n');
  });

  test("a failing or hung mirror color never changes the client's answer; copies in flight are bounded", async () => {
    green.setStatus(500);
    for (let i = 0; i < 5; i++) {
      const res = await post(`{"seq":${i}}\n`);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-served-by")).toBe("blue");
      expect(await res.json()).toMatchObject({ origin: "blue" });
    }
    green.setStatus(200);
    green.setDelay(Number.POSITIVE_INFINITY);
    try {
      const before = green.seen.length;
      const answers = await Promise.all(
        Array.from({ length: 3 * MAX_MIRRORS_IN_FLIGHT }, (_, i) => post(`{"h":${i}}\n`)),
      );
      expect(answers.map((r) => r.headers.get("x-served-by"))).toEqual(answers.map(() => "blue"));
      expect(answers.every((r) => r.status === 200)).toBe(true);
      // The hung color holds at most the bound; the rest were skipped, not queued.
      await expect.poll(() => green.seen.length - before, { timeout: 5000 }).toBe(MAX_MIRRORS_IN_FLIGHT);
      expect(await inFlight()).toBe(MAX_MIRRORS_IN_FLIGHT);
      // Each copy has its own timeout.
      await expect.poll(inFlight, { timeout: TIMEOUT_MS + 5000 }).toBe(0);
      await sleep(200);
      expect(green.seen.length - before).toBe(MAX_MIRRORS_IN_FLIGHT);
    } finally {
      green.setDelay(0);
    }
  });
});

describe("the bytes of copies in flight are bounded too", () => {
  let pair: EchoPair;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bg-mirror-bytes-"));
    await putLocalKv(dir, "active", JSON.stringify(FLAG));
    // The default REPLAY_BUFFER_BYTES (4 MiB): 3 MiB bodies are buffered, so each may be copied.
    pair = await echoPair({ CONTROL_TOKEN: TOKEN, ORIGIN_TIMEOUT_MS: String(TIMEOUT_MS), DRAIN_SECONDS: "0" }, dir);
  });
  afterAll(async () => {
    await pair?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test(`copies of 3 MiB bodies to a hung color: as many as fit in MIRROR_BUDGET_BYTES, the rest skipped`, async () => {
    const size = 3 * 1024 * 1024;
    const fit = Math.floor(MIRROR_BUDGET_BYTES / size);
    pair.green.setDelay(Number.POSITIVE_INFINITY);
    const body = "x".repeat(size);
    const answers = await Promise.all(
      Array.from({ length: fit + 2 }, () => fetch(`${pair.worker.url}/ingest`, { method: "POST", body })),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    await expect.poll(() => pair.green.seen.length, { timeout: 10_000 }).toBe(fit);
    // Each copy ends at its own timeout; then nothing more arrives.
    await sleep(TIMEOUT_MS + 1000);
    expect(pair.green.seen.length).toBe(fit);
    expect(pair.green.seen.every((s) => s.body.length === size)).toBe(true);
  });
});
