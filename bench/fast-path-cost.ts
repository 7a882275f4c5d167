// `npx tsx bench/fast-path-cost.ts`: what the flag's fast path (FLAG_FAST_PATH) costs, per second and per
// request. The deployed bundle runs twice in workerd (bench/workerd.ts), fast path on and off; both get the
// same requests at low fixed rates, sent to both at once so background load hits them alike, and the
// difference of their processes' CPU time is the fast path's. Its refresh runs once per second per isolate
// whatever the traffic, so per request it is that per-second cost over the rate (`npm run bench` shows it at
// its fixed rate; the closed-loop rate spreads it thinner).
import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { bundleWorker } from "../scripts/worker-bundle";
import { med, spread } from "./figure";
import { ndjsonBatch } from "./load";
import { startOrigin } from "./origin";
import { startInWorkerd, type WorkerdWorker } from "./workerd";

const RATES = [5, 20];
const ROUNDS = 3;
const SECONDS = 10;
const ROOT = resolve(import.meta.dirname, "..");

const origin = await startOrigin();
const workers: WorkerdWorker[] = [];
try {
  const config = join(ROOT, "wrangler.toml");
  const bundle = await bundleWorker(config, join(ROOT, ".tmp/bench-fast-path"));
  const body = ndjsonBatch();
  const post = (url: string) => fetch(`${url}/ingest`, { method: "POST", body });
  const send = (url: string) => post(url).then((r) => r.arrayBuffer());
  const vars = { BLUE_ORIGIN: origin.url, GREEN_ORIGIN: origin.url, CONTROL_TOKEN: randomUUID() };
  const on = await startInWorkerd(config, bundle, vars, post);
  workers.push(on);
  const off = await startInWorkerd(config, bundle, { ...vars, FLAG_FAST_PATH: "off" }, post);
  workers.push(off);
  console.log("| rate | on − off, CPU ms per second (rounds) | on − off, µs per request (median, min–max) |");
  console.log("| ---: | --- | ---: |");
  for (const rate of RATES) {
    const perSecond: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [on0, off0] = [await on.cpuMs(), await off.cpuMs()];
      for (let i = 0; i < rate * SECONDS; i++) {
        await Promise.all([send(on.url), send(off.url)]);
        await sleep(1000 / rate);
      }
      perSecond.push(((await on.cpuMs()) - on0 - ((await off.cpuMs()) - off0)) / SECONDS);
    }
    const perRequest = perSecond.map((ms) => (ms * 1000) / rate);
    console.log(
      `| ${rate} req/s | ${perSecond.map((x) => x.toFixed(1)).join(", ")} (median ${med(perSecond).toFixed(1)}) | ${spread(perRequest, 0, " µs")} |`,
    );
  }
} finally {
  for (const w of workers) await w.stop();
  await origin.stop();
}
