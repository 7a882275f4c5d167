// Copies go only to a platform that drops duplicates (docs/protection.md). Against a naive origin (stores what
// it accepts, declares nothing) the default settings send no mirrored copy, so a deployment and a rollback store
// nothing twice; a color that declares `"idempotency": "key"` but stores a batch twice fails validation.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Producer } from "../producers/producer";
import { sleep } from "../support/api";
import { producerReports } from "../support/audit";
import { startProducers } from "../support/scenario";
import { type Stack, startStack } from "../support/stack";
import { expectEveryEntryOnce } from "../support/zero-loss";

const TEST_TIMEOUT_MS = 120_000;
const QUICK = { thresholds: { probeIntervalMs: 200, minSamples: 4 }, watchSeconds: 3 };
/** Without live traffic: the watch needs none. */
const QUIET = { ...QUICK, thresholds: { ...QUICK.thresholds, minRouterRequests: 0 }, mirrorPercent: 0 };

describe("a naive origin (no dedupe, no declaration), default settings", () => {
  let s: Stack;
  let load: Producer[] = [];
  beforeAll(async () => {
    s = await startStack({ drainSeconds: 1, naive: true });
  });
  afterEach(async () => {
    await Promise.all(load.map((p) => p.stop(5000)));
    load = [];
  });
  afterAll(() => s?.stop());

  test(
    "a deployment and a rollback under load store nothing twice; the deployment says mirror unsupported",
    async () => {
      load = startProducers(s.worker.url, "naive");
      await sleep(1000);
      s.platforms.green.setVersion("v2");
      // Default mirrorPercent (10 %): without the declaration no copy may be sent.
      const res = await s.control.deploy({ version: "v2", ...QUICK });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      expect(res.json.mirror).toMatchObject({ percent: 10, status: "unsupported" });
      expect(res.json.mirror?.detail).toMatch(/^no copies: green does not declare "idempotency": "key"/);
      expect((await s.control.state()).flag.mirror).toBeUndefined();
      const done = await s.control.waitFor(res.json.id, undefined, 60_000);
      expect(done.status, done.reason ?? "").toBe("succeeded");
      expect(done.mirror).toMatchObject({ status: "unsupported", requests: 0 });
      expect(s.platforms.green.stats.mirrored).toBe(0);
      const rb = await s.control.call("POST", "/api/rollback", { reason: "naive drill" });
      expect(rb.status, JSON.stringify(rb.json)).toBe(200);
      // Past the routers' flag cache after the rollback.
      await sleep(2500);
      const stats = await Promise.all(load.map((p) => p.stop()));
      load = [];
      const rows = producerReports(s.store, stats);
      console.log(`[naive-origin] ${rows.map((r) => JSON.stringify(r)).join("\n")}`);
      expectEveryEntryOnce(rows);
      // Traffic really went through both colors.
      const byColor = s.store.countBy("color");
      expect(byColor.blue ?? 0).toBeGreaterThan(0);
      expect(byColor.green ?? 0).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("with READBACK_PATH, a declared color is held to it", () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ drainSeconds: 0, vars: { READBACK_PATH: "/search?canary={id}", DRAIN_QUIET_SECONDS: "0" } });
  });
  afterAll(() => s?.stop());

  test(
    "a color that stores the same canary twice under one key fails validation (idempotency); one that drops it passes",
    async () => {
      s.platforms.green.setVersion("v2");
      s.platforms.green.setFaults({ ignoreIdempotencyKey: true });
      const bad = await s.control.deploy({ version: "v2", ...QUIET });
      const failed = await s.control.waitFor(bad.json.id, undefined, 60_000);
      expect(failed.status).toBe("failed");
      expect(failed.reason).toMatch(
        /^idempotency check failed: declares "idempotency": "key", but the same canary batch sent twice under one idempotency-key was readable twice \(2 records, 1 after the first send\)/,
      );
      s.platforms.green.setFaults({});
      s.platforms.green.setVersion("v3");
      const good = await s.control.deploy({ version: "v3", ...QUIET });
      const passed = await s.control.waitFor(good.json.id, undefined, 60_000);
      expect(passed.status, passed.reason ?? "").toBe("succeeded");
      const proofs = passed.probes.filter((p) => p.check === "idempotency");
      expect(proofs).toHaveLength(1);
      expect(proofs[0]).toMatchObject({ ok: true, phase: "pre" });
      expect(proofs[0]?.detail).toMatch(/readable once \(1 records\)$/);
    },
    TEST_TIMEOUT_MS,
  );
});
