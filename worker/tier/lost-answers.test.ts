// Counts reach the controller once when answers are lost, through the real router, LocationTier and
// controller in workerd (test/lost-answers: both objects can take a call's counts and then fail it): the
// isolate and the tier send the failed call's batches again as they were, and the tier and the controller
// drop the copies by their ids.
import { resolve } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { State } from "../../shared";
import { sleep } from "../../test/support/api";
import { type Stack, startStack } from "../../test/support/stack";

const CONFIG = resolve(import.meta.dirname, "../../test/lost-answers/wrangler.toml");
const BATCHES = 12;

let s: Stack;
beforeAll(async () => {
  s = await startStack({ config: CONFIG });
});
afterAll(() => s?.stop());

const counted = (st: State) => st.traffic[st.active].reduce((n, p) => n + p.requests, 0);

async function ingest(n: number, label: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${s.worker.url}/ingest`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: `{"message":"${label} ${i}"}\n`,
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }
}

test("a call whose answer is lost after the counts were taken is sent again, and each count is judged once", {
  timeout: 60_000,
}, async () => {
  const lose = await fetch(`${s.worker.url}/test/lose`, {
    method: "POST",
    body: JSON.stringify({ tier: 1, controller: 1 }),
  });
  expect(lose.status).toBe(200);
  await ingest(BATCHES, "lost answers");
  await expect
    .poll(async () => counted(await s.control.state()), { timeout: 20_000, interval: 200 })
    .toBeGreaterThanOrEqual(BATCHES);
  // Long enough for any copy still on its way: the isolate's next call (COUNTS_MS) and the tier's exchange.
  await sleep(5000);
  const st = await s.control.state();
  expect(counted(st), "every request counted once").toBe(BATCHES);
  expect(st.duplicateReports, "the tier's batch sent again after the controller's lost answer").toBe(1);
  const tier = (await (await fetch(`${s.worker.url}/test/tier`)).json()) as Record<string, number>;
  expect(tier, "the isolate's batch sent again after the tier's lost answer").toMatchObject({
    duplicateReports: 1,
    pending: 0,
    dropped: 0,
  });
  expect(tier.failures, "the exchange whose answer was lost").toBe(1);
});

test("an exchange the controller never answers is given up, the tier goes on, and its counts are judged once", {
  timeout: 60_000,
}, async () => {
  const before = counted(await s.control.state());
  const dupes = (await s.control.state()).duplicateReports ?? 0;
  const hang = await fetch(`${s.worker.url}/test/lose`, {
    method: "POST",
    body: JSON.stringify({ tier: 0, controller: 0, controllerHangs: 1 }),
  });
  expect(hang.status).toBe(200);
  await ingest(BATCHES, "hung exchange");
  // The controller took them, then never answered.
  await expect
    .poll(async () => counted(await s.control.state()), { timeout: 20_000, interval: 200 })
    .toBeGreaterThanOrEqual(before + BATCHES);
  // A tier still waiting on that exchange would never send these.
  await ingest(BATCHES, "after the hung exchange");
  await expect
    .poll(async () => counted(await s.control.state()), { timeout: 20_000, interval: 200 })
    .toBeGreaterThanOrEqual(before + 2 * BATCHES);
  await sleep(5000);
  const st = await s.control.state();
  expect(counted(st), "every request counted once").toBe(before + 2 * BATCHES);
  expect(st.duplicateReports, "the hung exchange's batch, sent again").toBe(dupes + 1);
});
