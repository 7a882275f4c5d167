import {
  type Color,
  type ColorInfo,
  type Deployment,
  FLAG_KEY,
  Flag,
  type HistoryEntry,
  otherColor,
  type State,
  type StorageUse,
} from "../../shared";
import { config, type Env } from "../env";
import { EventHub } from "../events";
import { DEFAULT_FLAG } from "../flag";
import { Notifier } from "../notify/notifier";
import { emptySamples, type ProbeTarget, type Samples } from "../probes";
import { Traffic } from "../traffic";
import { type Evidence, emptyEvidence } from "./evidence";

export interface ColorRecord {
  version: string | null;
  health: ColorInfo["health"];
  checkedAt: string | null;
  drainingUntil: number | null;
}

/** Everything that must survive the object being evicted or restarted. */
export interface Persisted {
  flag: Flag;
  colors: Record<Color, ColorRecord>;
  deployment: Deployment | null;
  /** probe totals of the running deployment's current phase. */
  samples: Samples;
  canarySeq: number;
  history: HistoryEntry[];
}

/** Storage key of a deployment's full record (probes, steps); its history entry is the index. */
export const recordKey = (id: string) => `dep:${id}`;

const STORAGE_MEASURE_MS = 2000;

export const iso = (ms = Date.now()) => new Date(ms).toISOString();

/**
 * The controller's state and its persistence, shared by the transitions, the probe round and the commands.
 * Single-threaded like the Durable Object that owns it: code that awaits a fetch must re-check the state after.
 */
export class Core {
  s!: Persisted;
  readonly traffic = new Traffic();
  /**
   * Router outcomes on the watched color under the watch's flag epoch. In memory: if the object
   * restarts mid-watch the count starts again (the probes go on meanwhile).
   */
  watched: Evidence = emptyEvidence();
  readonly hub = new EventHub();
  lastTrafficBroadcast = 0;
  /** When the running deployment's next probe round is due (memory: after a restart it is due at once). */
  nextProbeAt = 0;
  private storageUse: { at: number; use: StorageUse } | null = null;
  /** Records pushed out of the history, deleted with the next write of the state. */
  readonly dropKeys = new Set<string>();
  /** KV writes of the flag, chained so they land in order. */
  kvChain: Promise<void> = Promise.resolve();
  /** Webhook notifications: status changes are queued as they are persisted. */
  readonly notifier: Notifier;

  constructor(
    readonly ctx: DurableObjectState,
    readonly env: Env,
  ) {
    this.notifier = new Notifier(ctx.storage, env);
  }

  get cfg() {
    return config(this.env);
  }

  get storage(): DurableObjectStorage {
    return this.ctx.storage;
  }

  async load(): Promise<void> {
    this.s = (await this.storage.get<Persisted>("state")) ?? (await this.initial());
    await this.notifier.load(this.s);
  }

  private async initial(): Promise<Persisted> {
    // Adopt a flag already in KV (e.g. set by hand) so the first start never flips traffic.
    const existing = Flag.safeParse(await this.env.ROUTING.get(FLAG_KEY, "json").catch(() => null));
    const blank = (): ColorRecord => ({ version: null, health: "unknown", checkedAt: null, drainingUntil: null });
    return {
      flag: existing.success ? existing.data : DEFAULT_FLAG,
      colors: { blue: blank(), green: blank() },
      deployment: null,
      samples: emptySamples(),
      canarySeq: 0,
      history: [],
    };
  }

  target(color: Color): ProbeTarget {
    return { origin: this.cfg.origins[color], healthPath: this.cfg.healthPath, canaryPath: this.cfg.canaryPath };
  }

  snapshot(): State {
    const colorInfo = (c: Color): ColorInfo => {
      const r = this.s.colors[c];
      const draining = r.drainingUntil !== null && r.drainingUntil > Date.now();
      return {
        origin: this.cfg.origins[c],
        version: r.version,
        health: r.health,
        checkedAt: r.checkedAt,
        drainingUntil: draining ? iso(r.drainingUntil ?? 0) : null,
      };
    };
    return {
      active: this.s.flag.color,
      standby: otherColor(this.s.flag.color),
      epoch: this.s.flag.epoch,
      flag: this.s.flag,
      colors: { blue: colorInfo("blue"), green: colorInfo("green") },
      deployment: this.s.deployment,
      history: this.s.history,
      traffic: { blue: this.traffic.points("blue"), green: this.traffic.points("green") },
      storage: this.storageUse?.use ?? null,
      notifications: this.notifier.status(),
    };
  }

  /** Makes sure the alarm fires by `at` (an earlier alarm already set is kept). */
  async wake(at: number): Promise<void> {
    const set = await this.storage.getAlarm();
    if (set === null || at < set) await this.storage.setAlarm(at);
  }

  /** Keys and bytes in this object's storage, measured at most every 2 s (a full listing is not free). */
  async measureStorage(now = Date.now()): Promise<StorageUse> {
    if (this.storageUse && now - this.storageUse.at < STORAGE_MEASURE_MS) return this.storageUse.use;
    const all = await this.storage.list();
    const records = [...all.keys()].filter((k) => k.startsWith(recordKey(""))).length;
    const use: StorageUse = { keys: all.size, records, bytes: this.storage.sql.databaseSize };
    this.storageUse = { at: now, use };
    return use;
  }

  /** Persists the state (and the running deployment's record, and drops the records the history let go). */
  async persist(): Promise<void> {
    const d = this.s.deployment;
    const drop = [...this.dropKeys].filter((k) => k !== (d ? recordKey(d.id) : null));
    this.dropKeys.clear();
    const told = this.notifier.observe(this.s);
    await this.storage.transaction(async (tx) => {
      await tx.put(d ? { state: this.s, [recordKey(d.id)]: d } : { state: this.s });
      if (drop.length) await tx.delete(drop);
      await this.notifier.write(tx);
    });
    if (told) await this.wake(Date.now());
  }

  /** Persists and tells every subscriber. */
  async commit(): Promise<void> {
    await this.persist();
    this.hub.broadcast("state", this.snapshot());
  }
}
