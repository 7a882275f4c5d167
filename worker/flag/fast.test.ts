// The fast path's refresh bookkeeping alone: a refresh whose request was cancelled never settles (workerd
// drops that request's I/O), and it must not keep this isolate off the fast path for good.
import { expect, test } from "vitest";
import type { Flag } from "../../shared/schemas";
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
