// Issue 16: a client that gives up on a hung release and retries the same batch gets it stored once.
// wrangler dev does not pass the client's disconnect on to the Worker (docs/decisions-and-limits.md), so
// here the orphaned request does fail over after ORIGIN_TIMEOUT_MS; what keeps the count right is that the
// retry carries the same content-derived idempotency-key (random keys stored the batch twice).
import { afterAll, beforeAll, expect, test } from "vitest";
import { sleep } from "../../test/support/api";
import { type Stack, startStack } from "../../test/support/stack";

const TIMEOUT_MS = 1000;
let s: Stack;
beforeAll(async () => {
  s = await startStack({ vars: { ORIGIN_TIMEOUT_MS: String(TIMEOUT_MS), EJECT_AFTER: "0" } });
});
afterAll(() => s?.stop());

test("a client that gives up on a hung color and retries the same batch has it stored exactly once", async () => {
  const { active } = await s.control.state();
  const batch = Array.from({ length: 5 }, (_, i) => JSON.stringify({ producer: "gives-up", seq: i + 1 })).join("\n");
  const post = (signal?: AbortSignal) =>
    fetch(`${s.worker.url}/ingest`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: `${batch}\n`,
      signal,
    });
  // The active color hangs for a while, then comes back.
  s.platforms[active].setFaults({ hang: true, forMs: 3 * TIMEOUT_MS });
  // The client's deadline is shorter than the router's timeout: it gives up first.
  await expect(post(AbortSignal.timeout(TIMEOUT_MS / 4))).rejects.toThrow();
  // Long enough for the router's attempt to time out and any failover of it to land.
  await sleep(2 * TIMEOUT_MS);
  // The client retries the same bytes (as OTel, Fluent Bit and Vector do), after the color came back.
  await sleep(2 * TIMEOUT_MS);
  const retry = await post();
  expect(retry.status).toBe(200);
  expect(s.store.seqs("gives-up")).toEqual([1, 2, 3, 4, 5]);
});
