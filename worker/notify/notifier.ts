import type { Deployment, HistoryEntry, NotifyPayload, NotifyStatus } from "../../shared";
import { config, type Env } from "../env";
import { type NotifyEvent, rollbackEvent, standbyEvent, statusEvent } from "./events";
import { Outbox, type StorageWriter } from "./outbox";

/** How far the notifier has told about the controller's state. */
interface Cursor {
  deploymentId: string | null;
  /** status changes (`steps`) of that deployment already turned into events. */
  steps: number;
  /** ids of the rollbacks and standby changes in the history already told about. */
  rollbacks: string[];
}

const CURSOR_KEY = "notify:cursor";

/** The parts of the controller's state the notifier watches. */
export interface Watched {
  deployment: Deployment | null;
  history: HistoryEntry[];
}

/** History entries told about on their own (a deployment's entry is told through its status changes). */
const told = (h: HistoryEntry) => h.kind !== "deployment";
const rollbackIds = (history: HistoryEntry[]) => history.filter(told).map((h) => h.id);

/**
 * Turns what the controller persists into webhook events, into the outbox in the same storage transaction
 * as the change itself: a status change is never persisted without its notification, nor told twice.
 */
export class Notifier {
  readonly outbox: Outbox;
  private cursor: Cursor = { deploymentId: null, steps: 0, rollbacks: [] };
  private cursorDirty = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {
    this.outbox = new Outbox(storage);
  }

  get urls(): string[] {
    return config(this.env).notifyUrls;
  }

  get secret(): string | undefined {
    return this.env.NOTIFY_SECRET || undefined;
  }

  /** Loads the outbox; the first time, starts telling from the state as it is (no backlog). */
  async load(s: Watched): Promise<void> {
    await this.outbox.load();
    const saved = await this.storage.get<Cursor>(CURSOR_KEY);
    this.cursor = saved ?? {
      deploymentId: s.deployment?.id ?? null,
      steps: s.deployment?.steps.length ?? 0,
      rollbacks: rollbackIds(s.history),
    };
  }

  /** Queues an event for every webhook; false when there are none. */
  emit(event: NotifyEvent, now = Date.now()): boolean {
    const urls = this.urls;
    if (urls.length === 0) return false;
    const seq = this.outbox.nextSeq();
    const id = event.id ?? crypto.randomUUID();
    const platform = config(this.env).controllerName;
    const payload: NotifyPayload = {
      id,
      seq,
      type: event.type,
      at: new Date(now).toISOString(),
      platform,
      text: `[${platform}] ${event.summary}`,
      event: { type: event.type, ...event.detail },
    };
    const body = JSON.stringify(payload);
    for (const [i, url] of urls.entries()) this.outbox.add(seq, url, i, id, event.type, body, now);
    return true;
  }

  /** Queues an event for each status change, rollback and standby change since the last call; how many. */
  observe(s: Watched): number {
    const events: NotifyEvent[] = [];
    const d = s.deployment;
    const from = d && d.id === this.cursor.deploymentId ? this.cursor.steps : 0;
    for (let i = from; d && i < d.steps.length; i++) events.push(statusEvent(d, i));
    const seen = new Set(this.cursor.rollbacks);
    const fresh = s.history.filter((h) => told(h) && !seen.has(h.id));
    // The history is newest first; tell the oldest first.
    for (const h of fresh.reverse()) events.push(h.kind === "standby" ? standbyEvent(h) : rollbackEvent(h));
    if (events.length === 0 && (d?.id ?? null) === this.cursor.deploymentId) return 0;
    this.cursor = { deploymentId: d?.id ?? null, steps: d?.steps.length ?? 0, rollbacks: rollbackIds(s.history) };
    this.cursorDirty = true;
    return events.filter((e) => this.emit(e)).length;
  }

  due(): number | null {
    return this.outbox.due();
  }

  status(): NotifyStatus {
    return this.outbox.status(this.urls, this.secret !== undefined);
  }

  /** Writes the outbox and the cursor (into the state's transaction, or on their own with the object's storage). */
  async write(to: StorageWriter = this.storage): Promise<void> {
    if (this.cursorDirty) await to.put({ [CURSOR_KEY]: this.cursor });
    this.cursorDirty = false;
    await this.outbox.write(to);
  }
}
