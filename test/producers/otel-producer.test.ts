// The real OTLP/HTTP exporters (JSON and protobuf) straight against one platform origin: what they send is
// what the platform reads (producer and seq attributes), so the end-to-end count works for OTel producers too.
import { expect, test } from "vitest";
import { sleep } from "../support/api";
import { auditStore } from "../support/audit";
import { platformPerTest } from "./fixture";
import { OtelProducer } from "./otel-producer";
import type { ProducerStats } from "./producer";

const ctx = platformPerTest();

const expectExactlyOnce = (stats: ProducerStats) => {
  expect(stats.sent).toBeGreaterThan(0);
  expect(stats).toMatchObject({ acked: stats.sent, dropped: 0, errors: {} });
  expect(auditStore(ctx.store, [stats])[0]).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0 });
};

test("every emitted record is stored once with its producer and seq", async () => {
  const producer = new OtelProducer({ url: ctx.platform.url, producer: "otel-direct", recordsPerSecond: 200 });
  producer.start();
  await sleep(700);
  expectExactlyOnce(await producer.stop());
});

test("gzip compression: every body is gzip on the wire, every record stored once", async () => {
  const producer = new OtelProducer({
    url: ctx.platform.url,
    producer: "otel-gzip",
    recordsPerSecond: 200,
    gzip: true,
  });
  producer.start();
  await producer.emitLarge(4 * 1024 * 1024);
  await sleep(300);
  expectExactlyOnce(await producer.stop());
  expect(ctx.platform.stats.gzipBodies).toBe(ctx.platform.stats.ingestRequests);
  // The large export's padding compresses to almost nothing.
  expect(ctx.platform.stats.maxBodyBytes).toBeLessThan(1024 * 1024);
});

test("emitLarge: one export request close to the size asked for", async () => {
  const producer = new OtelProducer({ url: ctx.platform.url, producer: "otel-large", recordsPerSecond: 200 });
  producer.start();
  await sleep(100);
  const target = 4 * 1024 * 1024;
  await producer.emitLarge(target);
  expectExactlyOnce(await producer.stop());
  expect(ctx.platform.stats.maxBodyBytes).toBeGreaterThan(0.97 * target);
  expect(ctx.platform.stats.maxBodyBytes).toBeLessThanOrEqual(target);
});

test("protobuf: the real OTLP/protobuf exporter's records are stored once with their producer and seq", async () => {
  const producer = new OtelProducer({
    url: ctx.platform.url,
    producer: "otel-proto",
    recordsPerSecond: 200,
    encoding: "protobuf",
  });
  producer.start();
  await sleep(700);
  expectExactlyOnce(await producer.stop());
});
