import { DatabaseSync } from "node:sqlite";

/** One log entry as the platform keeps it; `producer`/`seq` identify it for the zero-loss count. */
export interface StoredEntry {
  producer: string | null;
  seq: number | null;
  color: string;
  version: string;
  body: string;
}

/**
 * The downstream storage both colors write to (a SQLite file in WAL mode, so two processes share it).
 * A batch is committed in one transaction with its idempotency key: a retried batch is dropped whole.
 */
export class LogStore {
  private db: DatabaseSync;

  constructor(readonly path: string) {
    this.db = new DatabaseSync(path, { timeout: 10_000 });
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS batches (key TEXT PRIMARY KEY, entries INTEGER NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS entries (
        id INTEGER PRIMARY KEY, producer TEXT, seq INTEGER, color TEXT NOT NULL, version TEXT NOT NULL, body TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS entries_producer ON entries (producer, seq);
    `);
  }

  /** Stores a batch durably; false when its idempotency key was seen before (nothing stored). */
  append(key: string, entries: StoredEntry[]): boolean {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const seen = this.db.prepare("SELECT 1 FROM batches WHERE key = ?").get(key);
      if (seen) {
        this.db.exec("ROLLBACK");
        return false;
      }
      this.db.prepare("INSERT INTO batches (key, entries, at) VALUES (?, ?, ?)").run(key, entries.length, Date.now());
      const insert = this.db.prepare(
        "INSERT INTO entries (producer, seq, color, version, body) VALUES (?, ?, ?, ?, ?)",
      );
      for (const e of entries) insert.run(e.producer, e.seq, e.color, e.version, e.body);
      this.db.exec("COMMIT");
      return true;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  /** Sequence numbers stored for one producer, ascending (with repeats if any were stored twice). */
  seqs(producer: string): number[] {
    return this.db
      .prepare("SELECT seq FROM entries WHERE producer = ? ORDER BY seq")
      .all(producer)
      .map((r) => Number(r.seq));
  }

  /** Entries whose body holds `value` as a JSON string (e.g. a canary id), as the platform's search finds them. */
  search(value: string): StoredEntry[] {
    return this.db
      .prepare("SELECT producer, seq, color, version, body FROM entries WHERE instr(body, ?) > 0 ORDER BY id")
      .all(JSON.stringify(value))
      .map((r) => ({
        producer: r.producer === null ? null : String(r.producer),
        seq: r.seq === null ? null : Number(r.seq),
        color: String(r.color),
        version: String(r.version),
        body: String(r.body),
      }));
  }

  countBy(column: "color" | "version"): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db.prepare(`SELECT ${column} AS k, COUNT(*) AS n FROM entries GROUP BY ${column}`).all()) {
      out[String(r.k)] = Number(r.n);
    }
    return out;
  }

  total(): number {
    return Number(this.db.prepare("SELECT COUNT(*) AS n FROM entries").get()?.n ?? 0);
  }

  close(): void {
    this.db.close();
  }
}
