// An isolate's link to its location's tier, alone: counts leave every COUNTS_MS and ride on flag reads;
// a failed call's counts reach the tier with a later one, once even when the failed call had landed; the
// flag path answers only while fresh.
import { expect, test, vi } from "vitest";
import type { CounterFlush, Flag } from "../../shared/schemas";
import { ANSWERING_MS, REFRESH_STALL_MS } from "../flag/fast";
import { Counters } from "../router/counters";
import { SeenReports } from "../router/report-ids";
import { COUNTS_MS, type TierAnswer, TierLink } from "./link";

const env = {};
const flag = (epoch: number): Flag => ({ color: "green", epoch, deploymentId: null, updatedAt: "" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A tier that records what reached it (`got`) and what it took as LocationTier does, repeats dropped by id
 * (`taken`); it fails while `down`, and with `loseAnswers` it takes the counts, then fails (the answer lost).
 */
function fakeTier() {
  const got: CounterFlush[] = [];
  const taken: CounterFlush[] = [];
  const seen = new SeenReports();
  const tier = {
    down: false,
    loseAnswers: 0,
    /** calls that take the counts and then never answer. */
    hang: 0,
    calls: 0,
    readAt: 0,
    got,
    taken,
    seen,
    async sync(batches: CounterFlush[]): Promise<TierAnswer> {
      tier.calls++;
      if (tier.down) throw new Error("tier unavailable");
      got.push(...batches);
      taken.push(...seen.fresh(batches));
      if (tier.hang > 0 && batches.length > 0) {
        tier.hang--;
        await new Promise(() => {});
      }
      if (tier.loseAnswers > 0 && batches.length > 0) {
        tier.loseAnswers--;
        throw new Error("Network connection lost.");
      }
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

test("a call that fails after the tier took its counts goes again as it was, and the tier counts it once", async () => {
  const counters = new Counters();
  const tier = fakeTier();
  const l = link(counters, tier);
  tier.loseAnswers = 1;
  counters.record(3, "green", "/ingest", 200, 5, false, false);
  counters.record(3, "green", "/ingest", 500, 5, false, false);
  l.flush(env, ctx);
  await sleep(0);
  expect(requests(tier.taken), "the tier took them").toBe(2);
  expect(counters.pending(), "the isolate cannot know: it keeps them").toBe(2);
  counters.record(3, "green", "/ingest", 200, 5, false, false);
  await sleep(COUNTS_MS + 200);
  l.flush(env, ctx);
  await Promise.all(pending);
  expect(tier.calls).toBe(2);
  // The lost call's batch went again unchanged, beside a new one with the new count.
  const [first, again, fresh] = tier.got;
  expect(again).toEqual(first);
  expect(fresh?.id).not.toBe(first?.id);
  expect(requests(tier.got), "3 recorded, 2 of them sent twice").toBe(5);
  expect(requests(tier.taken), "each counted once").toBe(3);
  expect(tier.seen.duplicates).toBe(1);
  expect(counters.pending()).toBe(0);
});

test("a call that never answers is given up after REFRESH_STALL_MS, and its counts go again, counted once", async () => {
  vi.useFakeTimers();
  try {
    const counters = new Counters();
    const tier = fakeTier();
    const l = link(counters, tier);
    tier.hang = 1;
    counters.record(3, "green", "/ingest", 200, 5, false, false);
    counters.record(3, "green", "/ingest", 500, 5, false, false);
    l.flush(env, ctx);
    await vi.advanceTimersByTimeAsync(REFRESH_STALL_MS - 100);
    expect(requests(tier.taken), "the tier took them").toBe(2);
    expect(counters.pending(), "still waiting on the call").toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(counters.pending(), "given up: they go again").toBe(2);
    counters.record(3, "green", "/ingest", 200, 5, false, false);
    l.flush(env, ctx);
    await vi.advanceTimersByTimeAsync(COUNTS_MS);
    expect(tier.calls).toBe(2);
    expect(requests(tier.taken), "each counted once").toBe(3);
    expect(tier.seen.duplicates).toBe(1);
    expect(counters.pending()).toBe(0);
  } finally {
    vi.useRealTimers();
  }
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
