// Declares one file's share of the fault matrix: its cells in lanes side by side, one stack (wrangler dev + both
// origins) per lane for the lane's cells, one test per cell, and the measured table printed at the end.
import { afterAll, expect } from "vitest";
import type { ProducerAudit } from "./audit";
import { lane } from "./lanes";
import { type CellResult, runCell, TABLE_HEADER, type Target, tableRow } from "./matrix";
import { FAULTS } from "./matrix-faults";
import { startStack } from "./stack";

const CELL_TIMEOUT_MS = 150_000;

/** Every producer sent, and every record it sent is stored exactly once. */
export function expectStoredOnce(audits: readonly ProducerAudit[]): void {
  for (const a of audits) {
    expect(a.sent, a.producer).toBeGreaterThan(0);
    expect({ producer: a.producer, lost: a.lost, duplicates: a.duplicates, unexpected: a.unexpected }).toEqual({
      producer: a.producer,
      lost: 0,
      duplicates: 0,
      unexpected: 0,
    });
  }
}
/** Routers in the switch cells reuse a flag for 3 s: they keep sending to a reverted color that long. */
export const SWITCH_FLAG_CACHE_MS = 3000;

type MatrixFault = (typeof FAULTS)[number];

/**
 * `faults` hit `target`, in `lanes` (the same faults, lane by lane): the lanes run side by side, each on a stack of
 * its own and its cells one after another. A lane's next cell first waits until the router ejects no color, so a
 * cell that gets one ejected goes before a long one, or last. `flagCacheMs` is the stacks' FLAG_CACHE_MS: the switch
 * cells raise it so that routers learn the switch and the revert a few seconds late, a scaled-down stand-in for KV's
 * 60 s propagation to other locations.
 */
export function faultMatrix(
  title: string,
  target: Target,
  faults: readonly MatrixFault[],
  lanes: ReadonlyArray<readonly MatrixFault[]>,
  { flagCacheMs = 1000 } = {},
): void {
  const sorted = (xs: readonly string[]) => [...xs].sort().join();
  if (sorted(lanes.flat()) !== sorted(faults)) throw new Error(`${title}: the lanes must hold each fault once`);
  /** by fault, in the order of FAULTS whichever lane finishes first. */
  const rows: string[] = [];

  afterAll(() => {
    console.log(`[fault-matrix] ${title}\n${[...TABLE_HEADER, ...rows.filter(Boolean)].join("\n")}`);
  });

  lanes.forEach((laneFaults, l) => {
    lane(
      `stack ${l + 1} of ${lanes.length}`,
      () => startStack({ drainSeconds: 1, vars: { FLAG_CACHE_MS: String(flagCacheMs) } }),
      (stack) => stack.stop(),
      (stack, cell) => {
        for (const fault of laneFaults) {
          cell(
            `${fault} hitting the ${target === "new" ? "new color after the switch" : "active color, no deployment"}: every record stored exactly once`,
            async () => {
              const r: CellResult = await runCell(stack(), fault, target, { flagCacheMs });
              rows[FAULTS.indexOf(fault)] = tableRow(r);
              console.log(
                `[fault-matrix] ${tableRow(r)}\n${r.audits.map((a) => JSON.stringify(a)).join("\n")}\n` +
                  `faulty color: ${JSON.stringify(r.faulty)}\nother color: ${JSON.stringify(r.other)}`,
              );
              expectStoredOnce(r.audits);
              // The fault really met traffic (else the cell proves nothing).
              if (r.evidence) expect(r.evidence.count, r.evidence.label).toBeGreaterThanOrEqual(r.evidence.min);
              else
                expect(
                  Object.keys(r.shipperErrors).length + r.failovers,
                  "shippers never saw the fault",
                ).toBeGreaterThan(0);
              if (target === "new") expect(r.deployment).toBe(r.breaksRelease ? "rolled_back" : "succeeded");
            },
            CELL_TIMEOUT_MS,
          );
        }
      },
    );
  });
}
