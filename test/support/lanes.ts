// Lanes for the fault-matrix files: their cells mostly wait (fault windows, the shippers' retry backoffs, health
// rounds), so a file runs its cells in a few lanes at once, each lane on stacks of its own and its cells one after
// another. The file then takes about as long as its longest lane; each cell's own timeout is unchanged.
import { afterAll, beforeAll, describe, test } from "vitest";

/** Declares a cell of a lane: one test, run after the lane's previous cell (they share its stacks). */
export type Cell = typeof test.sequential;

/**
 * A lane runs beside its neighbouring lanes (`describe.concurrent`): `start` before its first cell, `stop` after
 * its last, and `cells` declares its tests with `cell`, which keeps them in order on the lane's stacks.
 */
export function lane<T>(
  name: string,
  start: () => Promise<T>,
  stop: (stacks: T) => Promise<unknown>,
  cells: (stacks: () => T, cell: Cell) => void,
): void {
  describe.concurrent(name, () => {
    let stacks: T | undefined;
    beforeAll(async () => {
      stacks = await start();
    });
    afterAll(async () => {
      if (stacks !== undefined) await stop(stacks);
    });
    cells(() => {
      if (stacks === undefined) throw new Error(`${name}: its stacks did not start`);
      return stacks;
    }, test.sequential);
  });
}
