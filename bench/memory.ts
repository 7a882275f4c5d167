// Peak memory of the router's workerd process with concurrent large bodies (issue 10: 128 MB per isolate).
// `npx tsx bench/memory.ts` (or `... bare` for the pass-through Worker) prints a table; bench/notes.md keeps it.
// Each case runs on a fresh Worker: RSS rarely shrinks, so a shared one would carry the last case's peak.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { startWorker } from "../test/support/worker";
import { rssMiB, userWorkerdPid } from "../test/support/workerd-pid";
import { startOrigin } from "./origin";

const MiB = 1024 * 1024;

interface Case {
  name: string;
  concurrent: number;
  bytes: number;
  /** send without content-length (chunked). */
  chunked?: boolean;
}

const CASES: Case[] = [
  { name: "10 × 20 MiB, content-length (streamed)", concurrent: 10, bytes: 20 * MiB },
  { name: "10 × 20 MiB, chunked (streamed, counted in JS)", concurrent: 10, bytes: 20 * MiB, chunked: true },
  { name: "10 × 4 MiB, content-length (buffered for replay up to the 32 MiB budget)", concurrent: 10, bytes: 4 * MiB },
  { name: "30 × 4 MiB, content-length (8 buffered, the rest streamed)", concurrent: 30, bytes: 4 * MiB },
];

function body(bytes: number, chunked: boolean): BodyInit {
  const data = Buffer.alloc(bytes, "x");
  if (!chunked) return data;
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes) return c.close();
      c.enqueue(data.subarray(at, at + 256 * 1024));
      at += 256 * 1024;
    },
  });
}

// `bare`: the benchmark's pass-through Worker (one fetch, body streamed natively), for comparison.
const bare = process.argv[2] === "bare";
const origin = await startOrigin();
console.log(bare ? "bare pass-through Worker" : "edge router (defaults: REPLAY_BUFFER_BYTES 4 MiB)");
console.log("| case | answers | idle RSS MiB | peak RSS MiB | peak − idle |");
console.log("|---|---|---|---|---|");
try {
  for (const c of CASES) {
    const worker = await startWorker(
      bare
        ? { config: join(import.meta.dirname, "passthrough/wrangler.toml"), vars: { ORIGIN: origin.url } }
        : { vars: { BLUE_ORIGIN: origin.url, GREEN_ORIGIN: origin.url, CONTROL_TOKEN: randomUUID() } },
    );
    try {
      const pid = await userWorkerdPid(worker);
      await fetch(`${worker.url}/ingest`, { method: "POST", body: "{}" });
      const idle = await rssMiB(pid);
      let peak = idle;
      const sampler = setInterval(async () => {
        peak = Math.max(peak, await rssMiB(pid).catch(() => 0));
      }, 20);
      const statuses = await Promise.all(
        Array.from({ length: c.concurrent }, () =>
          fetch(`${worker.url}/ingest`, {
            method: "POST",
            body: body(c.bytes, c.chunked === true),
            duplex: "half",
          } as RequestInit).then(async (r) => {
            await r.arrayBuffer();
            return r.status;
          }),
        ),
      );
      clearInterval(sampler);
      peak = Math.max(peak, await rssMiB(pid));
      const answers = [...new Set(statuses)].map((s) => `${statuses.filter((x) => x === s).length}×${s}`).join(" ");
      console.log(`| ${c.name} | ${answers} | ${idle.toFixed(0)} | ${peak.toFixed(0)} | ${(peak - idle).toFixed(0)} |`);
    } finally {
      await worker.stop();
    }
  }
} finally {
  await origin.stop();
}
