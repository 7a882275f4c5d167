import { expect } from "vitest";
import type { ProducerReport } from "./audit";

/** The zero-loss proof on audited producers: every entry sent stored exactly once, none dropped, no 5xx seen. */
export function expectEveryEntryOnce(rows: readonly ProducerReport[]): void {
  for (const r of rows) {
    expect({ producer: r.producer, lost: r.lost, duplicates: r.duplicates, unexpected: r.unexpected }).toEqual({
      producer: r.producer,
      lost: 0,
      duplicates: 0,
      unexpected: 0,
    });
    expect(r.sent).toBeGreaterThan(0);
    expect(r.dropped, r.producer).toBe(0);
    expect(r["5xx"], `${r.producer} saw 5xx: ${JSON.stringify(r.errors)}`).toBe(0);
  }
}
