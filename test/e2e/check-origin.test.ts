// `npx edge-bluegreen check-origin` (the bundled CLI) against the stand-in platform, which keeps the
// contract, and a naive origin of it that stores whatever it accepts and declares nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createPlatform, type Platform } from "../platform/platform";
import { LogStore } from "../platform/store";
import { type CliRun, runCli } from "../support/cli";
import { freePort } from "../support/ports";

let dir: string;
let stores: LogStore[];
let platform: Platform;
let naive: Platform;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bg-check-origin-"));
  stores = [new LogStore(join(dir, "good.db")), new LogStore(join(dir, "naive.db"))];
  platform = await createPlatform({ color: "blue", version: "v1", store: stores[0] as LogStore });
  naive = await createPlatform({ color: "green", version: "v1", store: stores[1] as LogStore, naive: true });
});

afterAll(async () => {
  await Promise.all([platform?.close(), naive?.close()]);
  for (const s of stores ?? []) s.close();
  await rm(dir, { recursive: true, force: true });
});

const READBACK = ["--readback-path", "/search?canary={id}"];
const check = (url: string, ...args: string[]) => runCli(["check-origin", url, ...args, "--json"], {});
const show = (r: CliRun) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
const checks = (r: CliRun) =>
  (JSON.parse(r.stdout) as { checks: { check: string; verdict: string }[] }).checks.map((c) => [c.check, c.verdict]);

test("the stand-in platform keeps the contract: every check passes, and it writes canary records only", async () => {
  const r = await check(platform.url, ...READBACK, "--drain-path", "/drain");

  expect(r.code, show(r)).toBe(0);
  expect(checks(r)).toEqual([
    ["health /health", "pass"],
    ["health configHash", "pass"],
    ["health declares idempotency", "pass"],
    ["ingest /ingest ndjson", "pass"],
    ["ingest /v1/logs otlp-json", "pass"],
    ["ingest /v1/logs otlp-proto", "pass"],
    ["gzip body /ingest ndjson", "pass"],
    ["body just under 20 MiB", "pass"],
    ["readback /search?canary={id}", "pass"],
    ["idempotency-key: a batch sent twice is stored once", "pass"],
    ["in-flight report (drain)", "pass"],
  ]);
  expect(platform.stats.gzipBodies).toBe(1);
  expect(platform.stats.maxBodyBytes).toBeGreaterThan(19.5 * 1024 * 1024);
  expect(platform.stats.maxBodyBytes).toBeLessThan(20 * 1024 * 1024);
  const store = stores[0] as LogStore;
  expect(store.total()).toBeGreaterThan(0);
  expect(store.search("bluegreen-canary")).toHaveLength(store.total());
});

test("a naive origin (no key dedupe, no declaration) fails, naming the idempotency checks", async () => {
  const r = await check(naive.url, ...READBACK);

  expect(r.code, show(r)).toBe(1);
  const failed = checks(r).filter(([, verdict]) => verdict === "fail");
  expect(failed).toEqual([
    ["health declares idempotency", "fail"],
    ["idempotency-key: a batch sent twice is stored once", "fail"],
  ]);
});

test("the table for people names the failed check and what to fix", async () => {
  const r = await runCli(["check-origin", naive.url, ...READBACK], {});

  expect(r.code, show(r)).toBe(1);
  expect(r.stdout).toMatch(/idempotency-key: a batch sent twice is stored once\s+fail\s+read back 2 copies/);
  expect(r.stdout).toMatch(/fix: store a batch once per idempotency-key/);
  expect(r.stdout).toMatch(/✘ 2 required check\(s\) failed/);
});

test("without a readback path the dedupe is not proven (and does not fail); no origin: one failed check", async () => {
  const unproven = await check(platform.url);
  expect(unproven.code, show(unproven)).toBe(0);
  expect(checks(unproven)).toContainEqual(["idempotency-key: a batch sent twice is stored once", "not proven"]);

  const down = await check(`http://127.0.0.1:${await freePort()}`);
  expect(down.code, show(down)).toBe(1);
  expect(checks(down)).toEqual([["health /health", "fail"]]);
  expect(down.stdout).toContain("ECONNREFUSED");
});
