import type { LogStore } from "../platform/store";
import type { ShipperStats } from "../producers/http-shipper";
import { count5xx, type ProducerStats } from "../producers/producer";

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

/** An audit row with what the producer itself saw: the figures `npm start` prints and the e2e suite asserts. */
export interface ProducerReport extends ProducerAudit {
  dropped: number;
  /** 5xx responses the producer saw (after the router's failover). */
  "5xx": number;
  errors: Record<string, number>;
  retries: number | "n/a";
  failovers: number | "n/a";
  servedBy: Record<string, number> | "n/a";
}

const isShipper = (s: ProducerStats): s is ShipperStats => "servedBy" in s;

export function producerReports(store: LogStore, stats: readonly ProducerStats[]): ProducerReport[] {
  return auditStore(store, stats).map((a, i) => {
    const st = stats[i] as ProducerStats;
    return {
      ...a,
      dropped: st.dropped,
      "5xx": count5xx(st.errors),
      errors: st.errors,
      retries: isShipper(st) ? st.retries : "n/a",
      failovers: isShipper(st) ? st.failovers : "n/a",
      servedBy: isShipper(st) ? st.servedBy : "n/a",
    };
  });
}

/** Nothing lost, nothing stored twice or out of nowhere, nothing given up, no 5xx seen. */
export const clean = (r: ProducerReport): boolean =>
  r.sent > 0 && r.lost === 0 && r.duplicates === 0 && r.unexpected === 0 && r.dropped === 0 && r["5xx"] === 0;
