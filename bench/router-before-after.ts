// `npx tsx bench/router-before-after.ts <checkout>…`: the router of this checkout ("after") against the routers
// of other checkouts (e.g. `git worktree add /tmp/before <commit>`, with node_modules linked) and the bare
// pass-through Worker, each bundled as `wrangler deploy` does and run in its own workerd (bench/workerd.ts).
// A checkout may be named and given vars: `name=dir:VAR=value,VAR=value` (`after=.:IDEMPOTENCY=random` is this
// checkout with one setting changed). Prints a markdown table and each Worker's CPU per request against the
// first one, paired round by round (the figure that sees our code; throughput is shared with the load
// generator). Two ways to load them:
// - default: closed loop (10 connections, 8 s), one Worker after the other, in alternating order per round;
// - `RATE=150`: all Workers at once, each at that fixed rate (4 connections): every Worker sees the same
//   background in the same window, which resolves differences of a few tens of µs on a busy machine.
import { randomUUID } from "node:crypto";
import { basename, join, resolve } from "node:path";
import { bundleWorker } from "../scripts/worker-bundle";
import { med, spread } from "./figure";
import { atRate, cannon, type LoadResult, ndjsonBatch } from "./load";
import { startOrigin } from "./origin";
import { pin, startInWorkerd, type WorkerdWorker } from "./workerd";

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECONDS = Number(process.env.SECONDS ?? 8);
const RATE = process.env.RATE ? Number(process.env.RATE) : null;
/** `PIN=1`: each workerd on core 1 alone (run the bench itself under `taskset -c 0`), so the load generator and the origin never take the measured Worker's core. */
const PIN = process.env.PIN ?? null;
if (process.argv.length < 3)
  throw new Error("usage: tsx bench/router-before-after.ts [name=]<checkout>[:VAR=value,…] … (see the file's head)");

const ROOT = resolve(import.meta.dirname, "..");
interface Spec {
  name: string;
  config: string;
  vars: Record<string, string>;
}
const parseSpec = (arg: string): Spec => {
  const [named = arg, varList = ""] = arg.split(":");
  const [name, dir] = named.includes("=") ? (named.split("=") as [string, string]) : [basename(resolve(named)), named];
  const vars = Object.fromEntries(varList.split(",").flatMap((kv) => (kv ? [kv.split("=") as [string, string]] : [])));
  return { name, config: join(resolve(dir), "wrangler.toml"), vars };
};
const SPECS: Spec[] = [
  ...process.argv.slice(2).map(parseSpec),
  { name: "after", config: join(ROOT, "wrangler.toml"), vars: {} },
  { name: "bare", config: join(ROOT, "bench/passthrough/wrangler.toml"), vars: {} },
].filter((s, i, all) => all.findIndex((o) => o.name === s.name) === i);

type Round = LoadResult & { cpuUs: number };

/** One round for every Worker: in turn (closed loop), or all at once at RATE. */
async function round(i: number, workers: WorkerdWorker[], body: string): Promise<Round[]> {
  const measure = async (w: WorkerdWorker, load: () => Promise<LoadResult>) => {
    const cpu0 = await w.cpuMs();
    const r = await load();
    return { ...r, cpuUs: (((await w.cpuMs()) - cpu0) * 1000) / r.requests };
  };
  if (RATE === null) {
    const out: Round[] = [];
    const order = workers.map((_, k) => k);
    for (const k of i % 2 === 0 ? order : order.reverse())
      out[k] = await measure(workers[k] as WorkerdWorker, () =>
        cannon((workers[k] as WorkerdWorker).url, body, { connections: 10, seconds: SECONDS }),
      );
    return out;
  }
  const rate = RATE;
  return Promise.all(workers.map((w) => measure(w, () => atRate(w.url, body, rate, SECONDS))));
}

const origin = await startOrigin();
const workers: WorkerdWorker[] = [];
try {
  const body = ndjsonBatch();
  const first = (url: string) => fetch(`${url}/ingest`, { method: "POST", body });
  for (const s of SPECS) {
    const bundle = await bundleWorker(s.config, join(ROOT, ".tmp/bench-before-after", s.name));
    const vars: Record<string, string> =
      s.name === "bare"
        ? { ORIGIN: origin.url }
        : {
            BLUE_ORIGIN: origin.url,
            GREEN_ORIGIN: origin.url,
            CONTROL_TOKEN: randomUUID(),
            FLAG_CACHE_MS: "1000",
            ...s.vars,
          };
    const w = await startInWorkerd(s.config, bundle, vars, first);
    if (PIN !== null) pin(w.pid, PIN);
    workers.push(w);
  }
  for (const w of workers) await cannon(w.url, body, { connections: 10, seconds: 3 });
  const rounds: Round[][] = SPECS.map(() => []);
  for (let i = 0; i < ROUNDS; i++) {
    const rs = await round(i, workers, body);
    for (const [k, r] of rs.entries()) rounds[k]?.push(r);
    console.error(
      `round ${i + 1}/${ROUNDS}: ${SPECS.map((s, k) => `${s.name} ${rs[k]?.rps.toFixed(0)} req/s ${rs[k]?.cpuUs.toFixed(0)} µs`).join(", ")}`,
    );
  }
  const ref = rounds[0] ?? [];
  const bare = rounds.at(-1) ?? [];
  console.log(
    `${ROUNDS} rounds × ${SECONDS} s, ${RATE === null ? "closed loop, 10 connections, one Worker at a time" : `all at once, ${RATE} req/s each`}\n`,
  );
  console.log(
    `| Worker | req/s | p99 ms | CPU µs/request | CPU vs ${SPECS[0]?.name} (paired) | CPU vs bare (paired) | throughput / ${SPECS[0]?.name} (paired) | throughput / bare (paired) | failures |`,
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  SPECS.forEach((s, k) => {
    const rs = rounds[k] ?? [];
    const vs = (other: Round[], f: (a: Round, b: Round) => number) => rs.map((r, i) => f(r, other[i] as Round));
    const cpuDiff = (a: Round, b: Round) => a.cpuUs - b.cpuUs;
    console.log(
      `| ${s.name} | ${spread(rs.map((r) => r.rps))} | ${med(rs.map((r) => r.p99Ms))} | ${spread(rs.map((r) => r.cpuUs))} | ` +
        `${spread(vs(ref, cpuDiff))} | ${spread(vs(bare, cpuDiff))} | ${spread(
          vs(ref, (a, b) => a.rps / b.rps),
          2,
        )} | ${spread(
          vs(bare, (a, b) => a.rps / b.rps),
          2,
        )} | ${rs.reduce((n, r) => n + r.failures, 0)} |`,
    );
  });
} finally {
  for (const w of workers) await w.stop();
  await origin.stop();
}
