import { afterEach, describe, expect, test } from "vitest";
import { EventHub, MAX_BACKLOG_BYTES, MAX_SUBSCRIBERS } from "./event-hub";

const tick = () => new Promise((r) => setImmediate(r));
const hubs: EventHub[] = [];
const hub = () => {
  const h = new EventHub();
  hubs.push(h);
  return h;
};
// Ends every stream left open, so that no heartbeat timer outlives its test.
afterEach(async () => {
  for (const h of hubs.splice(0))
    for (let i = 0; h.size > 0 && i < 100; i++) h.broadcast("end", "x".repeat(MAX_BACKLOG_BYTES));
  await tick();
});

/** Reads a subscriber's stream to the end (or until it is cut), counting bytes. */
function drain(res: Response): { bytes: () => number; done: Promise<void> } {
  let bytes = 0;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const done = (async () => {
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (r.done) return;
      bytes += r.value?.byteLength ?? 0;
    }
  })();
  return { bytes: () => bytes, done };
}

describe("EventHub bounds", () => {
  test("a subscriber that stops reading is dropped once it is MAX_BACKLOG_BYTES behind; one that reads keeps getting every event", async () => {
    const h = hub();
    const reading = drain(h.subscribe({ event: "state", data: {} }));
    const stalled = h.subscribe({ event: "state", data: {} });
    expect(h.size).toBe(2);
    const event = "x".repeat(64 * 1024);
    const events = Math.ceil((3 * MAX_BACKLOG_BYTES) / event.length);
    for (let i = 0; i < events; i++) {
      h.broadcast("traffic", event);
      await tick();
    }
    expect(h.size).toBe(1);
    expect(reading.bytes()).toBeGreaterThan(events * event.length);
    // The stalled one's stream was ended for it (its client reconnects for a fresh state).
    await expect(stalled.text()).rejects.toThrow();
  });

  test(`at most MAX_SUBSCRIBERS (${MAX_SUBSCRIBERS}) at once: the next gets 503 with Retry-After, and a slot frees when one leaves`, async () => {
    const h = hub();
    const open = Array.from({ length: MAX_SUBSCRIBERS }, () => h.subscribe({ event: "state", data: {} }));
    expect(open.every((r) => r.status === 200)).toBe(true);
    const refused = h.subscribe({ event: "state", data: {} });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toMatchObject({ error: { code: "too_many_subscribers" } });
    expect(h.size).toBe(MAX_SUBSCRIBERS);

    await open[0]?.body?.cancel();
    h.broadcast("state", {});
    await tick();
    expect(h.size).toBe(MAX_SUBSCRIBERS - 1);
    expect(h.subscribe({ event: "state", data: {} }).status).toBe(200);
  });
});
