import type { NotifyFailure, NotifyStatus } from "../../shared";

/** One event on its way to one webhook. `body` is fixed when the event is raised: every attempt sends the same bytes. */
export interface Delivery {
  key: string;
  url: string;
  eventId: string;
  type: string;
  body: string;
  attempts: number;
  /** unix ms when the next attempt may start (while one is in flight: when its lease runs out). */
  nextAt: number;
}

/** How one attempt ended. */
export type Outcome = { ok: true } | { ok: false; error: string; permanent: boolean; retryAfterMs: number };

interface Meta {
  seq: number;
  delivered: number;
  failed: number;
  lastDeliveredAt: string | null;
  failures: NotifyFailure[];
}

/** Storage writes of the outbox go to the object's storage or into the state's transaction. */
export interface StorageWriter {
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
}

const PREFIX = "notify:q:";
const META_KEY = "notify:meta";
/** Deliveries kept waiting at most (events × targets); past it the oldest is given up. */
export const OUTBOX_LIMIT = 100;
export const MAX_ATTEMPTS = 10;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 5 * 60_000;
/** An attempt in flight owns its delivery this long; if the object dies meanwhile, it is retried after. */
export const LEASE_MS = 30_000;
const FAILURES_KEPT = 10;

export const backoffMs = (attempts: number) => Math.min(BACKOFF_BASE_MS * 2 ** (attempts - 1), BACKOFF_CAP_MS);

/** A webhook named by its host only: its URL often carries a token (Slack, Discord, Teams). */
export function targetName(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "invalid URL";
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A bounded, durable queue of deliveries in the Durable Object's storage (one key each) with delivery counts
 * and the latest failures. Deliveries to one webhook go in order: only the oldest is attempted.
 */
export class Outbox {
  private items = new Map<string, Delivery>();
  private meta: Meta = { seq: 0, delivered: 0, failed: 0, lastDeliveredAt: null, failures: [] };
  private puts = new Set<string>();
  private dels = new Set<string>();
  private metaDirty = false;

  constructor(private readonly storage: DurableObjectStorage) {}

  async load(): Promise<void> {
    this.meta = (await this.storage.get<Meta>(META_KEY)) ?? this.meta;
    // list() returns keys in order, and keys sort by event sequence.
    this.items = new Map([...(await this.storage.list<Delivery>({ prefix: PREFIX }))]);
  }

  get size(): number {
    return this.items.size;
  }

  /** The next event's sequence number. */
  nextSeq(): number {
    this.metaDirty = true;
    return ++this.meta.seq;
  }

  add(seq: number, url: string, index: number, eventId: string, type: string, body: string, now: number): void {
    const key = `${PREFIX}${String(seq).padStart(12, "0")}:${index}`;
    this.set({ key, url, eventId, type, body, attempts: 0, nextAt: now });
    while (this.items.size > OUTBOX_LIMIT) {
      const [oldest] = this.items.values();
      if (!oldest) break;
      this.drop(oldest, now, `outbox full (${OUTBOX_LIMIT} deliveries waiting)`);
    }
  }

  /** The oldest delivery of each webhook, when due. */
  private heads(): Delivery[] {
    const heads = new Map<string, Delivery>();
    for (const d of this.items.values()) if (!heads.has(d.url)) heads.set(d.url, d);
    return [...heads.values()];
  }

  /** When the next attempt is due (unix ms), null when nothing waits. */
  due(): number | null {
    const heads = this.heads();
    return heads.length ? Math.min(...heads.map((d) => d.nextAt)) : null;
  }

  /**
   * Takes the due deliveries for an attempt each: they are leased (not due again for LEASE_MS) and counted.
   * Deliveries to a URL no longer configured are given up.
   */
  lease(now: number, urls: readonly string[]): Delivery[] {
    const out: Delivery[] = [];
    for (const d of this.heads()) {
      if (d.nextAt > now) continue;
      if (!urls.includes(d.url)) {
        this.drop(d, now, "webhook no longer in NOTIFY_URLS");
        continue;
      }
      this.set({ ...d, attempts: d.attempts + 1, nextAt: now + LEASE_MS });
      out.push(this.items.get(d.key) as Delivery);
    }
    return out;
  }

  /** Records an attempt's outcome; the delivery may have been given up meanwhile (outbox full). */
  settle(key: string, outcome: Outcome, now: number): void {
    const d = this.items.get(key);
    if (!d) return;
    if (outcome.ok) {
      this.remove(d);
      this.meta.delivered++;
      this.meta.lastDeliveredAt = iso(now);
      return;
    }
    if (outcome.permanent || d.attempts >= MAX_ATTEMPTS) {
      this.drop(d, now, `${outcome.error} (gave up after ${d.attempts} attempts)`);
      return;
    }
    const nextAt = now + Math.max(backoffMs(d.attempts), outcome.retryAfterMs);
    this.set({ ...d, nextAt });
    this.recordFailure(d, now, outcome.error, nextAt);
  }

  status(urls: readonly string[], signed: boolean): NotifyStatus {
    return {
      targets: urls.map(targetName),
      signed,
      pending: this.items.size,
      delivered: this.meta.delivered,
      failed: this.meta.failed,
      lastDeliveredAt: this.meta.lastDeliveredAt,
      failures: this.meta.failures,
    };
  }

  /** Writes what changed since the last write (into the state's transaction, or on its own). */
  async write(to: StorageWriter): Promise<void> {
    const puts: Record<string, unknown> = Object.fromEntries([...this.puts].map((k) => [k, this.items.get(k)]));
    if (this.metaDirty) puts[META_KEY] = this.meta;
    const dels = [...this.dels];
    this.puts.clear();
    this.dels.clear();
    this.metaDirty = false;
    if (Object.keys(puts).length) await to.put(puts);
    if (dels.length) await to.delete(dels);
  }

  private set(d: Delivery): void {
    this.items.set(d.key, d);
    this.puts.add(d.key);
    this.dels.delete(d.key);
  }

  private remove(d: Delivery): void {
    this.items.delete(d.key);
    this.puts.delete(d.key);
    this.dels.add(d.key);
    this.metaDirty = true;
  }

  /** Gives a delivery up: counted as failed, and the reason shown. */
  private drop(d: Delivery, now: number, error: string): void {
    this.remove(d);
    this.meta.failed++;
    this.recordFailure(d, now, error, null);
  }

  private recordFailure(d: Delivery, now: number, error: string, retryAt: number | null): void {
    const failure: NotifyFailure = {
      at: iso(now),
      target: targetName(d.url),
      eventId: d.eventId,
      type: d.type,
      attempt: d.attempts,
      error,
      gaveUp: retryAt === null,
      retryAt: retryAt === null ? null : iso(retryAt),
    };
    this.meta.failures = [failure, ...this.meta.failures].slice(0, FAILURES_KEPT);
    this.metaDirty = true;
  }
}
