import type { AuditEntry, AuditLog, RefusalReason } from "../../shared/audit";

export type NewAuditEntry = Omit<AuditEntry, "id">;

/**
 * The audit log in the controller's SQLite storage: one row per control call, trimmed to the newest
 * `capacity` (AUDIT_ENTRIES; a row is a few hundred bytes) on every append, and a count per refusal reason. Never holds a token: entries are built
 * from verified claims, and refusals only from their reason.
 */
export class AuditStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly capacity: number,
  ) {
    sql.exec("CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS audit_refusals (reason TEXT PRIMARY KEY, count INTEGER NOT NULL, last_at TEXT NOT NULL)",
    );
  }

  append(entry: NewAuditEntry): number {
    const { id } = this.sql
      .exec<{ id: number }>("INSERT INTO audit (entry) VALUES (?) RETURNING id", JSON.stringify(entry))
      .one();
    this.sql.exec("DELETE FROM audit WHERE id <= ?", id - this.capacity);
    return id;
  }

  countRefusals(counts: Partial<Record<RefusalReason, number>>, at: string): void {
    for (const [reason, n] of Object.entries(counts)) {
      this.sql.exec(
        `INSERT INTO audit_refusals (reason, count, last_at) VALUES (?, ?, ?)
         ON CONFLICT (reason) DO UPDATE SET count = count + excluded.count, last_at = excluded.last_at`,
        reason,
        n,
        at,
      );
    }
  }

  /** The newest `limit` entries older than entry `before` (all when null), newest first. */
  read(limit: number, before: number | null): AuditLog {
    const rows = this.sql
      .exec<{ id: number; entry: string }>(
        "SELECT id, entry FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?",
        before ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray();
    const refusals: AuditLog["refusals"] = {};
    for (const r of this.sql.exec<{ reason: string; count: number; last_at: string }>(
      "SELECT reason, count, last_at FROM audit_refusals ORDER BY reason",
    )) {
      refusals[r.reason] = { count: r.count, lastAt: r.last_at };
    }
    return {
      entries: rows.map((r) => ({ id: r.id, ...(JSON.parse(r.entry) as NewAuditEntry) })),
      refusals,
      capacity: this.capacity,
    };
  }
}
