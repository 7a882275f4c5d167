// An isolate's link to its location's tier, alone: one sync a second carries the counts and brings the
// flag; a failed sync's counts reach the tier with a later one; the flag path answers only while fresh.
import { expect, test } from "vitest";
import type { CounterFlush, Flag } from "../../shared/schemas";
import { ANSWERING_MS, FAST_PATH_TTL_MS } from "../flag/fast";
import { Counters } from "../router/counters";
import { type TierAnswer, TierLink } from "./link";

const env = {};
const flag = (epoch: number): Flag => ({ color: "green", epoch, deploymentId: null, updatedAt: "" });
const settle = () => new Promise((r) => setTimeout(r, 0));

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
      return { flag: flag(3), readAt: tier.readAt };
    },
  };
  return tier;
}

const pending: Promise<unknown>[] = [];
const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p.catch(() => undefined)) };
const requests = (batches: CounterFlush[]) => batches.reduce((n, b) => n + b.colors.green.requests, 0);

test("a failed sync's counts reach the tier with a later one, none twice", async () => {
  const counters = new Counters();
  const tier = fakeTier();
  const link = new TierLink(counters, () => ({ tier, location: "AMS" }));
  const t0 = Date.now();
  tier.down = true;
  counters.record(3, "green", "/ingest", 200, 5, false, false);
  counters.record(3, "green", "/ingest", 500, 5, false, false);
  link.flush(env, ctx, t0);
  await settle();
  expect(tier.calls).toBe(1);
  expect(link.failures).toBe(1);
  expect(counters.pending(), "the failed sync's counts are kept").toBe(2);
  // Within the second nothing more is sent; then the kept counts leave with the new ones.
  tier.down = false;
  counters.record(3, "green", "/ingest", 200, 5, false, false);
  expect(link.peek(env, ctx, t0 + FAST_PATH_TTL_MS / 2)).toBeNull();
  expect(tier.calls).toBe(1);
  await new Promise((r) => setTimeout(r, FAST_PATH_TTL_MS + 50));
  expect(link.peek(env, ctx, Date.now())).toBeNull();
  await Promise.all(pending);
  expect(tier.calls).toBe(2);
  expect(requests(tier.got)).toBe(3);
  expect(counters.pending()).toBe(0);
});

test("the last request's counts leave within a second even when no request follows", async () => {
  const counters = new Counters();
  const tier = fakeTier();
  const link = new TierLink(counters, () => ({ tier, location: "AMS" }));
  link.flush(env, ctx);
  await settle();
  counters.record(3, "green", "/ingest", 200, 5, false, false);
  link.flush(env, ctx);
  expect(requests(tier.got)).toBe(0);
  await new Promise((r) => setTimeout(r, FAST_PATH_TTL_MS + 100));
  await Promise.all(pending);
  expect(requests(tier.got)).toBe(1);
});

test("the flag comes back with a sync; the path answers only while the controller read is recent", async () => {
  const counters = new Counters();
  const tier = fakeTier();
  const link = new TierLink(counters, () => ({ tier, location: "AMS" }));
  tier.readAt = Date.now();
  link.peek(env, ctx);
  await Promise.all(pending);
  expect(link.peek(env, ctx)).toEqual(flag(3));
  expect(link.answering(tier.readAt + 10)).toBe(true);
  expect(link.answering(tier.readAt + ANSWERING_MS)).toBe(false);
});
