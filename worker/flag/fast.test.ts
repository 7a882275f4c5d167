// The fast path's refresh bookkeeping alone: a refresh whose request was cancelled never settles (workerd
// drops that request's I/O), and it must not keep this isolate off the fast path for good.
import { expect, test, vi } from "vitest";
import type { Flag } from "../../shared/schemas";
import { MemoryLocationCache } from "../../test/sim/worker/location-cache";
import { FAST_PATH_TTL_MS, FastFlag, type FastPathIo, REFRESH_STALL_MS } from "./fast";

const flag = (epoch: number): Flag => ({ color: "green", epoch, deploymentId: null, updatedAt: "" });
const ctx = { waitUntil: (p: Promise<unknown>) => void p.catch(() => undefined) };

test("a refresh that never ends is given up after REFRESH_STALL_MS, and the next one learns the flag", async () => {
  const fast = new FastFlag();
  let read: () => Promise<Flag> = () => new Promise<Flag>(() => {});
  let reads = 0;
  const io = (): FastPathIo => ({
    read: () => {
      reads++;
      return read();
    },
    cache: () => Promise.reject(new Error("no cache here")),
    key: "k",
  });
  expect(fast.peek(io, ctx, 0)).toBeNull();
  await new Promise((r) => setTimeout(r, 0));
  // Within the stall window nobody starts a second refresh beside the hung one.
  expect(fast.peek(io, ctx, FAST_PATH_TTL_MS)).toBeNull();
  await new Promise((r) => setTimeout(r, 0));
  expect(reads).toBe(1);
  read = async () => flag(7);
  expect(fast.peek(io, ctx, REFRESH_STALL_MS)).toBeNull();
  await new Promise((r) => setTimeout(r, 0));
  expect(reads).toBe(2);
  expect(fast.peek(io, ctx, REFRESH_STALL_MS + 1)).toEqual(flag(7));
});

/**
 * How many upstream reads isolates with these spreads make sharing one location cache, each asked every
 * 10 ms, in `seconds` after a first second (when none knows anything yet, all of them read).
 */
async function upstreamReads(spreads: number[], seconds: number): Promise<number> {
  vi.useFakeTimers({ now: 1_000_000 });
  try {
    const cache = new MemoryLocationCache();
    let reads = 0;
    const io = (): FastPathIo => ({
      read: async () => {
        reads++;
        return { flag: flag(1), readAt: Date.now() };
      },
      cache: async () => cache,
      key: "https://flag.internal/k",
    });
    const isolates = spreads.map((spread) => new FastFlag(FAST_PATH_TTL_MS, spread));
    let first = 0;
    for (let t = 0; t < (1 + seconds) * 1000; t += 10) {
      if (t === 1000) first = reads;
      for (const f of isolates) f.peek(io, ctx, Date.now());
      await vi.advanceTimersByTimeAsync(10);
    }
    return reads - first;
  } finally {
    vi.useRealTimers();
  }
}

test("a location's isolates make about one upstream read per TTL between them, not one each", async () => {
  const spreads = Array.from({ length: 10 }, (_, i) => i * 25);
  const spread = await upstreamReads(spreads, 5);
  // Without the spread every isolate expires at the same instant and misses the cache together.
  const together = await upstreamReads(
    spreads.map(() => 0),
    5,
  );
  expect(together).toBeGreaterThanOrEqual(40);
  expect(spread).toBeLessThanOrEqual(5);
});
