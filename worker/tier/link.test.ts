// An isolate's link to its location's tier, alone: counts leave every COUNTS_MS and ride on flag reads;
// a failed call's counts reach the tier with a later one; the flag path answers only while fresh.
import { expect, test } from "vitest";
import type { CounterFlush, Flag } from "../../shared/schemas";
import { ANSWERING_MS } from "../flag/fast";
import { Counters } from "../router/counters";
import { COUNTS_MS, type TierAnswer, TierLink } from "./link";

const env = {};
const flag = (epoch: number): Flag => ({ color: "green", epoch, deploymentId: null, updatedAt: "" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tier that records what reached it, and fails while `down`. */
function fakeTier() {
  const got: CounterFlush[] = [];
  const tier = {
    down: false,
    calls: 0,
    readAt: 0,
    got,
    async sync(batches: CounterFlush[]): Promise<TierAnswer> {
      tier.calls++;
      if (tier.down) throw new Error("tier unavailable");
      got.push(...batches);
      return { flag: flag(3), readAt: tier.readAt, held: false };
    },
  };
  return tier;
}

const pending: Promise<unknown>[] = [];
const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p.catch(() => undefined)) };
const requests = (batches: CounterFlush[]) => batches.reduce((n, b) => n + b.colors.green.requests, 0);
const link = (counters: Counters, tier: ReturnType<typeof fakeTier>) =>
  new TierLink(counters, () => ({ tier, location: "AMS", cache: null, key: "k" }));

test("a failed call's counts reach the tier with a later one, none twice", async () => {
  const counters = new Counters();
  const tier = fakeTier();
  const l = link(counters, tier);
  tier.down = true;
  counters.record(3, "green", "/ingest", 200, 5, false, false);
  counters.record(3, "green", "/ingest", 500, 5, false, false);
  l.flush(env, ctx);
  await sleep(0);
  expect(tier.calls).toBe(1);
  expect(counters.pending(), "the failed call's counts are kept").toBe(2);
  // Not again before COUNTS_MS; then the kept counts leave with the new ones.
  tier.down = false;
  counters.record(3, "green", "/ingest", 200, 5, false, false);
  l.flush(env, ctx);
  await sleep(COUNTS_MS / 2);
  expect(tier.calls).toBe(1);
  await sleep(COUNTS_MS / 2 + 200);
  await Promise.all(pending);
  expect(tier.calls).toBe(2);
  expect(requests(tier.got)).toBe(3);
  expect(counters.pending()).toBe(0);
});

test("the flag comes back from the tier, the counts with it; the path answers only while the read is recent", async () => {
  const counters = new Counters();
  const tier = fakeTier();
  const l = link(counters, tier);
  counters.record(3, "green", "/ingest", 200, 5, false, false);
  tier.readAt = Date.now();
  expect(l.peek(env, ctx)).toBeNull();
  await Promise.all(pending);
  expect(l.peek(env, ctx)).toEqual(flag(3));
  expect(requests(tier.got), "the counts rode on the flag read").toBe(1);
  expect(l.answering(tier.readAt + 10)).toBe(true);
  expect(l.answering(tier.readAt + ANSWERING_MS)).toBe(false);
});
