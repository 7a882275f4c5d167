// `npx tsx bench/hash-cost.ts`: what IDEMPOTENCY=content costs per request for 1 KB, 1 MB and 20 MiB bodies:
// the same requests, one at a time, through two routers in workerd (bench/workerd.ts) that differ only in
// IDEMPOTENCY (content vs random), with REPLAY_BUFFER_BYTES raised so even 20 MiB is buffered and hashed.
// The difference of their CPU per request is the hashing. Prints a markdown table.
import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import { bundleWorker } from "../scripts/worker-bundle";
import { startOrigin } from "./origin";
import { startInWorkerd, type WorkerdWorker } from "./workerd";

const MiB = 1024 * 1024;
const SIZES = [
  { name: "1 KB", bytes: 1024, requests: 400 },
  { name: "1 MB", bytes: MiB, requests: 60 },
  { name: "20 MiB", bytes: 20 * MiB, requests: 8 },
];
const ROOT = resolve(import.meta.dirname, "..");
const CONFIG = join(ROOT, "wrangler.toml");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** CPU µs per request for `requests` sequential POSTs of `body`. */
async function cpuPerRequest(w: WorkerdWorker, body: Uint8Array<ArrayBuffer>, requests: number): Promise<number> {
  const before = await w.cpuMs();
  for (let i = 0; i < requests; i++) {
    const res = await fetch(`${w.url}/ingest`, { method: "POST", body });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`answered ${res.status}`);
  }
  return (((await w.cpuMs()) - before) * 1000) / requests;
}

const origin = await startOrigin();
const workers: WorkerdWorker[] = [];
try {
  const bundle = await bundleWorker(CONFIG, join(ROOT, ".tmp/bench-hash"));
  for (const mode of ["content", "random"]) {
    const vars = {
      BLUE_ORIGIN: origin.url,
      GREEN_ORIGIN: origin.url,
      CONTROL_TOKEN: randomUUID(),
      IDEMPOTENCY: mode,
      MAX_BODY_BYTES: String(21 * MiB),
      REPLAY_BUFFER_BYTES: String(21 * MiB),
    };
    workers.push(
      await startInWorkerd(CONFIG, bundle, vars, (url) => fetch(`${url}/ingest`, { method: "POST", body: "{}" })),
    );
  }
  const [content, random] = workers as [WorkerdWorker, WorkerdWorker];
  console.log("| body | content µs/request | random µs/request | hashing µs (difference, median of 3) |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const s of SIZES) {
    const body = new Uint8Array(s.bytes).fill(120);
    const c: number[] = [];
    const r: number[] = [];
    // Interleaved thrice: background load hits both alike.
    for (let i = 0; i < 3; i++) {
      c.push(await cpuPerRequest(content, body, s.requests));
      r.push(await cpuPerRequest(random, body, s.requests));
    }
    const diffs = c.map((x, i) => x - (r[i] ?? 0));
    console.log(`| ${s.name} | ${median(c).toFixed(0)} | ${median(r).toFixed(0)} | ${median(diffs).toFixed(0)} |`);
  }
} finally {
  for (const w of workers) await w.stop();
  await origin.stop();
}
