// `npx tsx bench/router-before-after.ts <checkout>`: the router of this checkout against the router of
// another one (e.g. `git worktree add /tmp/before <commit>`, with node_modules linked) and the bare
// pass-through Worker, each bundled as `wrangler deploy` does and run in workerd (bench/workerd.ts), rounds
// interleaved so background load hits all three alike. Prints a markdown table: req/s, p99 and the
// Worker's CPU per request (the figure that sees our code; throughput is shared with the load generator).
import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import { bundleWorker } from "../scripts/worker-bundle";
import { cannon, type LoadResult, ndjsonBatch } from "./load";
import { startOrigin } from "./origin";
import { startInWorkerd, type WorkerdWorker } from "./workerd";

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const LOAD = { connections: 10, seconds: 8 };
const before = process.argv[2];
if (!before) throw new Error("usage: tsx bench/router-before-after.ts <checkout of the router to compare with>");

const ROOT = resolve(import.meta.dirname, "..");
const CONFIGS = {
  before: join(resolve(before), "wrangler.toml"),
  after: join(ROOT, "wrangler.toml"),
  bare: join(ROOT, "bench/passthrough/wrangler.toml"),
};
type Name = keyof typeof CONFIGS;
const NAMES = Object.keys(CONFIGS) as Name[];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const origin = await startOrigin();
const workers: WorkerdWorker[] = [];
try {
  const body = ndjsonBatch();
  const first = (url: string) => fetch(`${url}/ingest`, { method: "POST", body });
  for (const name of NAMES) {
    const bundle = await bundleWorker(CONFIGS[name], join(ROOT, ".tmp/bench-before-after", name));
    const vars: Record<string, string> =
      name === "bare"
        ? { ORIGIN: origin.url }
        : {
            BLUE_ORIGIN: origin.url,
            GREEN_ORIGIN: origin.url,
            CONTROL_TOKEN: randomUUID(),
            FLAG_CACHE_MS: "1000",
            // e.g. AFTER_VARS='{"IDEMPOTENCY":"random"}' to see what one setting costs.
            ...(name === "after" ? (JSON.parse(process.env.AFTER_VARS ?? "{}") as Record<string, string>) : {}),
          };
    workers.push(await startInWorkerd(CONFIGS[name], bundle, vars, first));
  }
  for (const w of workers) await cannon(w.url, body, { ...LOAD, seconds: 3 });
  const rounds: Record<Name, (LoadResult & { cpuUs: number })[]> = { before: [], after: [], bare: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const [n, w] of workers.entries()) {
      const name = NAMES[n] as Name;
      const cpu0 = await w.cpuMs();
      const r = await cannon(w.url, body, LOAD);
      const cpuUs = (((await w.cpuMs()) - cpu0) * 1000) / r.requests;
      rounds[name].push({ ...r, cpuUs });
      console.error(
        `round ${i + 1} ${name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms} ms, CPU ${cpuUs.toFixed(0)} µs/req`,
      );
    }
  }
  const rps = (n: Name) => median(rounds[n].map((r) => r.rps));
  const cpu = (n: Name) => median(rounds[n].map((r) => r.cpuUs));
  console.log("| Worker | req/s (median) | p99 ms (median) | CPU µs/request (median) | failures | req/s per round |");
  console.log("| --- | ---: | ---: | ---: | ---: | --- |");
  for (const n of NAMES) {
    const rs = rounds[n];
    console.log(
      `| ${n} | ${rps(n).toFixed(0)} | ${median(rs.map((r) => r.p99Ms))} | ${cpu(n).toFixed(0)} | ` +
        `${rs.reduce((s, r) => s + r.failures, 0)} | ${rs.map((r) => r.rps.toFixed(0)).join(", ")} |`,
    );
  }
  console.log(
    `\nrouter/bare throughput: before ${(rps("before") / rps("bare")).toFixed(3)}, after ${(rps("after") / rps("bare")).toFixed(3)}; ` +
      `after/before ${(rps("after") / rps("before")).toFixed(3)}; router CPU over bare: before +${(cpu("before") - cpu("bare")).toFixed(0)} µs, after +${(cpu("after") - cpu("bare")).toFixed(0)} µs`,
  );
} finally {
  for (const w of workers) await w.stop();
  await origin.stop();
}
