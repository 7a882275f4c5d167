// `npx tsx bench/fast-path-cost.ts`: the router's cost with the flag's fast path on, against the same
// router with it off and a bare pass-through Worker, rounds interleaved (as bench/router-cost.ts does) so
// background load hits all three alike. Prints a markdown table for bench/results.md.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { startWorker } from "../test/support/worker";
import { cannon, type LoadResult, ndjsonBatch } from "./load";
import { startOrigin } from "./origin";

const ROUNDS = 3;
const LOAD = { connections: 10, seconds: 8 };
const TARGETS = ["fast path on", "fast path off", "bare"] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const healthz = async (url: string) => (await (await fetch(`${url}/healthz`)).json()) as Record<string, unknown>;

const origin = await startOrigin();
const stops = [origin.stop];
try {
  const router = (fastPath: "on" | "off") =>
    startWorker({
      vars: {
        BLUE_ORIGIN: origin.url,
        GREEN_ORIGIN: origin.url,
        CONTROL_TOKEN: randomUUID(),
        FLAG_CACHE_MS: "1000",
        FLAG_FAST_PATH: fastPath,
      },
    });
  const workers = [
    await router("on"),
    await router("off"),
    await startWorker({ config: join(import.meta.dirname, "passthrough/wrangler.toml"), vars: { ORIGIN: origin.url } }),
  ];
  for (const w of workers) stops.push(w.stop);
  const body = ndjsonBatch();
  for (const w of workers) await cannon(w.url, body, { ...LOAD, seconds: 3 });
  const rounds: LoadResult[][] = TARGETS.map(() => []);
  for (let i = 0; i < ROUNDS; i++) {
    for (const [t, w] of workers.entries()) {
      const r = await cannon(w.url, body, LOAD);
      rounds[t]?.push(r);
      console.error(`round ${i + 1} ${TARGETS[t]}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms} ms`);
    }
  }
  const rps = rounds.map((rs) => median(rs.map((r) => r.rps)));
  const [on, off, bare] = rps as [number, number, number];
  console.log("| target | req/s (median) | p50 ms | p99 ms | failures | req/s per round |");
  console.log("| --- | ---: | ---: | ---: | ---: | --- |");
  for (const [t, rs] of rounds.entries()) {
    console.log(
      `| ${TARGETS[t]} | ${rps[t]?.toFixed(0)} | ${median(rs.map((r) => r.p50Ms))} | ${median(rs.map((r) => r.p99Ms))} | ` +
        `${rs.reduce((n, r) => n + r.failures, 0)} | ${rs.map((r) => r.rps.toFixed(0)).join(", ")} |`,
    );
  }
  console.log(`\nfast path on / off: ${(on / off).toFixed(2)}; on / bare: ${(on / bare).toFixed(2)} (budget ≥ 0.95)`);
  console.log(`router with the fast path, /healthz: ${JSON.stringify(await healthz(workers[0]?.url ?? ""))}`);
} finally {
  for (const stop of stops.reverse()) await stop();
}
