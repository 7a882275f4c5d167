import type { LogStore } from "../platform/store";
import type { ProducerStats } from "../producers/producer";

/** One producer's entries checked against the store: the zero-loss, exactly-once proof. */
export interface ProducerAudit {
  producer: string;
  sent: number;
  acked: number;
  /** rows stored for the producer (duplicates included). */
  stored: number;
  /** seq in 1..sent with no stored row. */
  lost: number;
  /** rows beyond the first for the same seq. */
  duplicates: number;
  /** distinct seq outside 1..sent (never sent, yet stored). */
  unexpected: number;
}

export function auditStore(store: LogStore, producers: readonly ProducerStats[]): ProducerAudit[] {
  return producers.map((p) => {
    const seqs = store.seqs(p.producer);
    const distinct = new Set(seqs);
    let lost = 0;
    for (let seq = 1; seq <= p.sent; seq++) if (!distinct.has(seq)) lost++;
    return {
      producer: p.producer,
      sent: p.sent,
      acked: p.acked,
      stored: seqs.length,
      lost,
      duplicates: seqs.length - distinct.size,
      unexpected: distinct.size - (p.sent - lost),
    };
  });
}
