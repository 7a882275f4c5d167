// Fault matrix, the standby rows (docs/protection.md): the active color hangs 15 s or crashes for 10 s after a
// failed deployment or a manual rollback, once the idle color was restarted healthy on the active release and
// earned failover back by probes. Health (and readiness rounds) at the production default, HEALTH_INTERVAL_MS 5000.
import { afterAll, expect } from "vitest";
import { STANDBY_ROUNDS } from "../../shared";
import { lane } from "../support/lanes";
import {
  runStandbyCell,
  SETUPS,
  STANDBY_FAULTS,
  STANDBY_TABLE_HEADER,
  type StandbyFault,
  standbyRow,
} from "../support/matrix-standby";
import { expectStoredOnce } from "../support/matrix-suite";
import { startStack } from "../support/stack";

const CELL_TIMEOUT_MS = 240_000;
/** wrangler.toml's default. */
const HEALTH_INTERVAL_MS = 5000;
const FAULTS = Object.keys(STANDBY_FAULTS) as StandbyFault[];

/** by setup, then fault, whichever lane finishes first. */
const rows: string[] = [];

afterAll(() => {
  console.log(`[fault-matrix] standby restored\n${[...STANDBY_TABLE_HEADER, ...rows.filter(Boolean)].join("\n")}`);
});

// Each cell on a stack of its own, all four at once: they wait on health rounds and fault windows (lanes.ts).
SETUPS.forEach((setup, s) => {
  FAULTS.forEach((fault, f) => {
    lane(
      `${setup}, ${fault}`,
      () => startStack({ drainSeconds: 1, vars: { DRAIN_QUIET_SECONDS: "1" } }),
      (stack) => stack.stop(),
      (stack, cell) =>
        cell(
          `idle restarted on the active release: the active color ${fault === "hang" ? "hangs 15 s" : "crashes for 10 s"}, every record stored exactly once`,
          async () => {
            const r = await runStandbyCell(stack(), setup, fault);
            rows[s * FAULTS.length + f] = standbyRow(r);
            console.log(
              `[fault-matrix] ${standbyRow(r)}\n[standby] idle healthy → protection.failoverTarget set: ${r.readyMs} ms\n${r.audits.map((a) => JSON.stringify(a)).join("\n")}`,
            );
            expectStoredOnce(r.audits);
            // Earned by STANDBY_ROUNDS rounds at least half a health interval apart, never by evidence from before.
            expect(r.readyMs).toBeGreaterThanOrEqual(((STANDBY_ROUNDS - 1) * HEALTH_INTERVAL_MS) / 2);
            // The fault met traffic, and the standby took it.
            expect(r.faultEvidence, "the fault never met traffic").toBeGreaterThan(0);
            expect(r.failovers).toBeGreaterThan(0);
          },
          CELL_TIMEOUT_MS,
        ),
    );
  });
});
