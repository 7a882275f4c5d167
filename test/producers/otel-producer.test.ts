// The real OTLP/HTTP JSON exporter straight against one platform origin: what it sends is what the platform
// reads (producer and seq attributes), so the end-to-end count works for OTel producers too.
import { expect, test } from "vitest";
import { createPlatform } from "../platform/platform";
import { LogStore } from "../platform/store";
import { sleep } from "../support/api";
import { auditStore } from "../support/audit";
import { OtelProducer } from "./otel-producer";

test("every emitted record is stored once with its producer and seq", async () => {
  const store = new LogStore(":memory:");
  const platform = await createPlatform({ color: "green", version: "v2", store });
  try {
    const producer = new OtelProducer({ url: platform.url, producer: "otel-direct", recordsPerSecond: 200 });
    producer.start();
    await sleep(700);
    const stats = await producer.stop();
    const [audit] = auditStore(store, [stats]);
    expect(stats.sent).toBeGreaterThan(0);
    expect(stats).toMatchObject({ acked: stats.sent, dropped: 0, errors: {} });
    expect(audit).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0 });
  } finally {
    await platform.close();
    store.close();
  }
});
