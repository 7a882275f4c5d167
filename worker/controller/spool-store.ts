import type { SpoolState } from "../../shared/state";
import type { SpoolMessage } from "../spool/message";
import type { SpoolReport } from "../spool/report";

/**
 * The edge spool as the controller knows it, from the queue consumer's reports (one per batch): the batches
 * waiting (keyed by R2 key, so a batch spooled twice counts once), the dead letters with their messages (to
 * replay), and the delivered total. In the object's SQLite storage, so it survives restarts.
 */
export class SpoolStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS spool_pending (key TEXT PRIMARY KEY, at INTEGER NOT NULL)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS spool_dead (key TEXT PRIMARY KEY, at INTEGER NOT NULL, reason TEXT NOT NULL, message TEXT NOT NULL)",
    );
    sql.exec("CREATE TABLE IF NOT EXISTS spool_totals (name TEXT PRIMARY KEY, n INTEGER NOT NULL)");
  }

  depth(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM spool_pending").one().n;
  }

  private addTotal(name: string, n: number): void {
    this.sql.exec(
      "INSERT INTO spool_totals (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n",
      name,
      n,
    );
  }

  take(r: SpoolReport, now: number): void {
    for (const p of r.pending)
      this.sql.exec("INSERT OR IGNORE INTO spool_pending (key, at) VALUES (?, ?)", p.key, p.at);
    let delivered = 0;
    for (const d of r.delivered) {
      this.sql.exec("DELETE FROM spool_pending WHERE key = ?", d.key);
      if (d.counted) delivered++;
    }
    if (delivered) this.addTotal("delivered", delivered);
    for (const d of r.dead) {
      this.sql.exec("DELETE FROM spool_pending WHERE key = ?", d.message.key);
      this.sql.exec(
        "INSERT OR REPLACE INTO spool_dead (key, at, reason, message) VALUES (?, ?, ?, ?)",
        d.message.key,
        now,
        d.reason,
        JSON.stringify(d.message),
      );
    }
  }

  /** The oldest `limit` dead letters, to send back to the queue. */
  deadLetters(limit: number): SpoolMessage[] {
    return this.sql
      .exec<{ message: string }>("SELECT message FROM spool_dead ORDER BY at LIMIT ?", limit)
      .toArray()
      .map((r) => JSON.parse(r.message) as SpoolMessage);
  }

  /** Dead letters sent back to the queue: waiting again. */
  replayed(messages: SpoolMessage[]): void {
    for (const m of messages) {
      this.sql.exec("DELETE FROM spool_dead WHERE key = ?", m.key);
      this.sql.exec("INSERT OR IGNORE INTO spool_pending (key, at) VALUES (?, ?)", m.key, m.spooledAt);
    }
  }

  view(now: number): SpoolState {
    const pending = this.sql
      .exec<{ n: number; oldest: number | null }>("SELECT count(*) AS n, min(at) AS oldest FROM spool_pending")
      .one();
    const dead = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM spool_dead").one().n;
    const delivered =
      this.sql.exec<{ n: number }>("SELECT n FROM spool_totals WHERE name = 'delivered'").toArray()[0]?.n ?? 0;
    return {
      depth: pending.n,
      oldestAgeSeconds: pending.oldest === null ? null : Math.max(0, Math.round((now - pending.oldest) / 1000)),
      delivered,
      deadLettered: dead,
    };
  }
}
