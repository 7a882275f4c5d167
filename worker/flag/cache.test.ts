// The cache logic alone, with a KV whose reads we control: a read that never settles is what a cancelled
// request leaves behind in workerd, and neither wrangler dev nor Miniflare passes a client's disconnect on.
import { expect, test } from "vitest";
import { FLAG_KEY, type Flag } from "../../shared/schemas";
import { FlagCache, type FlagKv, READ_STALL_MS } from "./cache";

const flag = (epoch: number): Flag => ({
  color: epoch % 2 ? "green" : "blue",
  epoch,
  deploymentId: null,
  updatedAt: "",
});

/** A KV namespace whose next reads answer `next()`: a value, or a promise that never settles. */
function kvOf(next: () => Promise<unknown>) {
  let gets = 0;
  const kv: FlagKv = {
    get: (key: string) => {
      expect(key).toBe(FLAG_KEY);
      gets++;
      return next();
    },
  };
  return { kv, gets: () => gets };
}

const never = () => new Promise<unknown>(() => {});
const within = <T>(p: Promise<T>, ms = 200) =>
  Promise.race([p, new Promise<never>((_, no) => setTimeout(() => no(new Error(`still waiting after ${ms} ms`)), ms))]);

test("while one request's refresh hangs, others route by the flag they had instead of waiting on it", async () => {
  const cache = new FlagCache();
  let answer: () => Promise<unknown> = async () => flag(1);
  const { kv, gets } = kvOf(() => answer());
  expect(await cache.get(kv, 1000, 0)).toEqual(flag(1));
  // The window has passed; the request that refreshes is cancelled and its read never settles.
  answer = never;
  void cache.get(kv, 1000, 5000);
  expect(await within(cache.get(kv, 1000, 5001))).toEqual(flag(1));
  expect(await within(cache.get(kv, 1000, 5002))).toEqual(flag(1));
  expect(gets()).toBe(2);
});

test("a refresh that never settles is given up after READ_STALL_MS: the next request reads KV itself", async () => {
  const cache = new FlagCache();
  let answer: () => Promise<unknown> = async () => flag(1);
  const { kv, gets } = kvOf(() => answer());
  await cache.get(kv, 1000, 0);
  answer = never;
  void cache.get(kv, 1000, 5000);
  answer = async () => flag(2);
  expect(await within(cache.get(kv, 1000, 5000 + READ_STALL_MS))).toEqual(flag(2));
  expect(gets()).toBe(3);
  // …and the stalled read cannot clear the refresh mark of a newer one, or reset what was learnt.
  expect(await cache.get(kv, 1000, 5000 + READ_STALL_MS + 10)).toEqual(flag(2));
});

test("an isolate that has never read KV does not make early requests wait on another request's read", async () => {
  const cache = new FlagCache();
  let answer: () => Promise<unknown> = never;
  const { kv, gets } = kvOf(() => answer());
  void cache.get(kv, 1000, 0);
  answer = async () => flag(3);
  expect(await within(cache.get(kv, 1000, 1))).toEqual(flag(3));
  expect(gets()).toBe(2);
});

test("one KV read per window however many requests arrive in it, the refresh among them", async () => {
  const cache = new FlagCache();
  const { kv, gets } = kvOf(async () => flag(4));
  await cache.get(kv, 1000, 0);
  await Promise.all(Array.from({ length: 50 }, (_, i) => cache.get(kv, 1000, 1 + i)));
  expect(gets()).toBe(1);
  // Past the window, 50 requests arrive together: one refreshes, 49 route by the flag it replaces.
  await Promise.all(Array.from({ length: 50 }, (_, i) => cache.get(kv, 1000, 1000 + i)));
  expect(gets()).toBe(2);
});
