// Fault matrix, the standby rows (docs/protection.md): the active color hangs 15 s or crashes for 10 s after a
// failed deployment or a manual rollback, once the idle color was restarted healthy on the active release and
// earned failover back by probes. Health (and readiness rounds) at the production default, HEALTH_INTERVAL_MS 5000.
import { afterAll, beforeAll, expect, test } from "vitest";
import { STANDBY_ROUNDS } from "../../shared";
import {
  runStandbyCell,
  SETUPS,
  STANDBY_FAULTS,
  STANDBY_TABLE_HEADER,
  type StandbyFault,
  standbyRow,
} from "../support/matrix-standby";
import { expectStoredOnce } from "../support/matrix-suite";
import { type Stack, startStack } from "../support/stack";

const CELL_TIMEOUT_MS = 240_000;
/** wrangler.toml's default. */
const HEALTH_INTERVAL_MS = 5000;

let stack: Stack;
const rows: string[] = [];

beforeAll(async () => {
  stack = await startStack({ drainSeconds: 1, vars: { DRAIN_QUIET_SECONDS: "1" } });
});

afterAll(async () => {
  console.log(`[fault-matrix] standby restored\n${[...STANDBY_TABLE_HEADER, ...rows].join("\n")}`);
  await stack?.stop();
});

for (const setup of SETUPS) {
  for (const fault of Object.keys(STANDBY_FAULTS) as StandbyFault[]) {
    test(
      `${setup}, idle restarted on the active release: the active color ${fault === "hang" ? "hangs 15 s" : "crashes for 10 s"}, every record stored exactly once`,
      async () => {
        const r = await runStandbyCell(stack, setup, fault);
        rows.push(standbyRow(r));
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
    );
  }
}
