import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { expect, test } from "vitest";
import { freePort } from "./ports";

test("free ports come from below the ephemeral range, which outgoing connections draw from", async () => {
  const range = await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => "32768 60999");
  const [ephemeralLow] = range.trim().split(/\s+/).map(Number);
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  for (const p of ports) {
    expect(p).toBeGreaterThanOrEqual(1024);
    expect(p).toBeLessThan(ephemeralLow ?? 32768);
  }
});

test("a preferred port is used when free, and passed over when taken", async () => {
  const preferred = await freePort();
  expect(await freePort(preferred)).toBe(preferred);
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(preferred, "127.0.0.1", r));
  try {
    expect(await freePort(preferred)).not.toBe(preferred);
  } finally {
    await new Promise((r) => srv.close(r));
  }
});
