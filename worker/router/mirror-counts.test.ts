// The counts of mirrored copies take the way the request's own counts take: through the location's tier
// (LOCATION_TIER, on by default), never straight to the controller, whose load must stay bounded by the
// locations, not the isolates (docs/scale.md). Through the real router, LocationTier and controller in
// workerd (test/lost-answers: its controller counts the reports it gets straight from isolates).
import { resolve } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Deployment } from "../../shared";
import { sleep } from "../../test/support/api";
import { QUICK_DEPLOY, release, type Stack, startStack } from "../../test/support/stack";

const CONFIG = resolve(import.meta.dirname, "../../test/lost-answers/wrangler.toml");
const COPIES = 8;
/** How late the candidate answers: past the second in which an isolate's counters give out one batch. */
const SLOW_MS = 1200;

let s: Stack;
beforeAll(async () => {
  s = await startStack({ config: CONFIG });
});
afterAll(() => s?.stop());

/** One live ingest request; the epoch it was routed under. */
async function ingest(i: number): Promise<number> {
  const res = await fetch(`${s.worker.url}/ingest`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: `{"message":"mirrored ${i}"}\n`,
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return Number(res.headers.get("x-route-epoch"));
}

test("mirrored copies' counts reach the controller through the location's tier, never in direct reports", {
  timeout: 60_000,
}, async () => {
  const version = "v2";
  await release(s, version, { slowIngestMs: SLOW_MS });
  const started = await s.control.deploy({
    version,
    autoPromote: false,
    mirrorPercent: 100,
    ...QUICK_DEPLOY,
    // Slow but within bounds; more copies than the test sends, so the mirror's verdict stays open.
    thresholds: { ...QUICK_DEPLOY.thresholds, maxP95Ms: 5000, minMirrorRequests: 100 },
  });
  expect(started.status, JSON.stringify(started.json)).toBe(201);
  const id = started.json.id;
  await expect.poll(async () => (await s.control.state()).flag.mirror, { timeout: 10_000 }).toBeDefined();
  const mirroring = (await s.control.state()).flag.epoch;
  // Until the router routes by the mirroring flag (through the tier's fast path), its requests are not copied.
  // Then one request at a time, its copy ending about SLOW_MS after the request's own counts were handed on:
  // the copy's count, with nothing else to carry it, is handed on by the copy itself.
  let copied = 0;
  for (let i = 0; copied < COPIES; i++) {
    if ((await ingest(i)) >= mirroring) copied++;
    await sleep(copied > 0 ? SLOW_MS + 300 : 100);
  }
  const mirrored = async () => (await s.control.deployment(id)).mirror?.requests ?? 0;
  await expect.poll(mirrored, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(COPIES);
  const d: Deployment = await s.control.deployment(id);
  expect(d.mirror, "every copy counted once").toMatchObject({ requests: COPIES, accepted: COPIES, errors5xx: 0 });
  const ctl = (await (await fetch(`${s.worker.url}/test/controller`)).json()) as { directReports: number };
  expect(ctl.directReports, "reports straight from the isolate, past its tier").toBe(0);
});
