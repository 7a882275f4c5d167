// Fault matrix, the edge spool (docs/spool.md): both colors refuse connections, or hang, for 30 s — longer than
// every shipper's retry budget — with all three producers, on two stacks at once: the Worker as wrangler.toml
// declares it (SPOOL and SPOOL_BUCKET bound) and the same Worker without those bindings, side by side.
import { afterAll, beforeAll, expect, test } from "vitest";
import { type CellResult, runCell, TABLE_HEADER, tableRow } from "../support/matrix";
import { SPOOL_FAULTS } from "../support/matrix-faults";
import { expectStoredOnce } from "../support/matrix-suite";
import { type Stack, startStack } from "../support/stack";
import { withoutSpool } from "../support/wrangler-config";

const FLAG_CACHE_MS = 1000;
const CELL_TIMEOUT_MS = 180_000;
/** The issue's bound: every spooled batch delivered within 30 s of the colors coming back. */
const DELIVERED_WITHIN_S = 30;

let spool: Stack;
let noSpool: Stack;
const rows: string[] = [];

beforeAll(async () => {
  const vars = { FLAG_CACHE_MS: String(FLAG_CACHE_MS) };
  [spool, noSpool] = await Promise.all([
    startStack({ drainSeconds: 1, vars }),
    startStack({ drainSeconds: 1, vars, config: withoutSpool() }),
  ]);
});

afterAll(async () => {
  console.log(
    `[fault-matrix] both colors out for 30 s, with and without the spool\n${[...TABLE_HEADER, ...rows].join("\n")}`,
  );
  await Promise.all([spool?.stop(), noSpool?.stop()]);
});

const lost = (r: CellResult) => r.audits.reduce((n, a) => n + a.lost, 0);

for (const fault of SPOOL_FAULTS) {
  test(
    `${fault}: with the spool nothing is lost or stored twice and every spooled batch is delivered within ${DELIVERED_WITHIN_S} s of recovery; without it, batches are lost`,
    async () => {
      // The same fault at the same time on both stacks (the cells run their three producers concurrently too).
      const [withSpool, without] = await Promise.all([
        runCell(spool, fault, "active", { flagCacheMs: FLAG_CACHE_MS }),
        runCell(noSpool, fault, "active", { flagCacheMs: FLAG_CACHE_MS }),
      ]);
      const label = (r: CellResult, what: string) => tableRow(r).replace(`| ${fault} |`, `| ${fault} ${what} |`);
      rows.push(label(withSpool, "(spool)"), label(without, "(no spool)"));
      for (const [r, what] of [
        [withSpool, "spool"],
        [without, "no spool"],
      ] as const) {
        console.log(
          `[fault-matrix] ${label(r, `(${what})`)}\n${r.audits.map((a) => JSON.stringify(a)).join("\n")}\n` +
            `spool: ${JSON.stringify(r.spool)}\nlost without the spool: ${lost(without)}`,
        );
      }
      expectStoredOnce(withSpool.audits);
      // The spool really took the outage's batches, delivered them all, none went to the dead-letter store.
      expect(withSpool.spool?.spooled ?? 0).toBeGreaterThan(0);
      expect(withSpool.spool?.deadLettered).toBe(0);
      expect(withSpool.spool?.drainedAfterS ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(DELIVERED_WITHIN_S);
      // Without the bindings the same outage outlasts the shippers' retry budgets: records are lost.
      expect(without.spool).toBeNull();
      expect(lost(without)).toBeGreaterThan(0);
      if (withSpool.evidence) expect(withSpool.evidence.count, withSpool.evidence.label).toBeGreaterThan(0);
    },
    CELL_TIMEOUT_MS,
  );
}
