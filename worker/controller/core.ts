import {
  COLORS,
  type Color,
  type ColorInfo,
  type CoverageState,
  type Deployment,
  FLAG_KEY,
  Flag,
  type HistoryEntry,
  type Incident,
  otherColor,
  type State,
  type StorageUse,
} from "../../shared";
import { config, type Env } from "../env";
import { DEFAULT_FLAG } from "../flag/cache";
import { EventHub } from "../http/event-hub";
import { Notifier } from "../notify/notifier";
import { SeenReports } from "../router/report-ids";
import { emptySamples, type ProbeTarget, type Samples } from "../validation/probes";
import { advance, type ConvergenceRecord, convergenceView, startConvergence, withConvergence } from "./convergence";
import { Coverage, coverageState } from "./coverage";
import { type DrainRecord, type DrainRules, drainView } from "./drain";
import { type FlagSyncRecord, flagSyncView, inSyncRecord } from "./flag-sync";
import {
  initialProtection,
  initialStandby,
  type ProtectionRecord,
  protectionView,
  type StandbyCheck,
} from "./protection-record";
import { ActiveWatch } from "./recent";
import { SpoolStore } from "./spool-store";
import { iso } from "./time";
import { Traffic } from "./traffic";

export interface ColorRecord extends DrainRecord {
  version: string | null;
  /** configHash of its last health answer that had a version (absent in state from older controllers). */
  configHash?: string | null;
  health: ColorInfo["health"];
  checkedAt: string | null;
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
  /** whether KV holds `flag`. */
  flagSync: FlagSyncRecord;
  /** how far the routers have moved to `flag`'s epoch. */
  convergence: ConvergenceRecord;
  /** breaches of the active color outside deployments, newest first (bounded, see incidents.ts). */
  incidents: Incident[];
  /** since when and why the flag has (or has no) failover target. */
  protection: ProtectionRecord;
  /** the readiness check of the idle color (standby.ts). */
  standby: StandbyCheck;
}

/** Storage key of a deployment's full record (probes, steps); its history entry is the index. */
export const recordKey = (id: string) => `dep:${id}`;

const STORAGE_MEASURE_MS = 2000;

export { iso };

/**
 * The controller's state and its persistence, shared by the transitions, the probe round and the commands.
 * Single-threaded like the Durable Object that owns it: code that awaits a fetch must re-check the state after.
 */
export class Core {
  s!: Persisted;
  readonly traffic = new Traffic();
  /** which edge locations report counts, and when they last did (a watch's evidence coverage). */
  readonly coverage = new Coverage();
  /** ids of the routers' and tiers' batches lately taken (a copy sent again is dropped). */
  readonly reports = new SeenReports();
  /** The active color's health streaks and recent router counts, judged outside deployments. */
  readonly active = new ActiveWatch();
  readonly hub = new EventHub();
  lastTrafficBroadcast = 0;
  /** When an ejection surge of each color was last notified (memory: a restart may notify once more). */
  readonly ejectionAlertAt: Partial<Record<Color, number>> = {};
  /** When the running deployment's next probe round is due (memory: after a restart it is due at once). */
  nextProbeAt = 0;
  /** With DRAIN_PATH, when draining colors are next asked for their in-flight work (memory: at once after a restart). */
  drainPollAt = 0;
  private storageUse: { at: number; use: StorageUse } | null = null;
  /** Records pushed out of the history, deleted with the next write of the state. */
  readonly dropKeys = new Set<string>();
  /** The KV write of the flag under way, if any (one at a time, so writes land in order). */
  kvWrite: Promise<void> | null = null;
  readonly notifier: Notifier;
  /** the edge spool's backlog, from the queue consumer's reports. */
  readonly spool: SpoolStore;

  constructor(
    readonly ctx: DurableObjectState,
    readonly env: Env,
  ) {
    this.notifier = new Notifier(ctx.storage, env);
    this.spool = new SpoolStore(ctx.storage.sql);
  }

  get cfg() {
    return config(this.env);
  }

  get storage(): DurableObjectStorage {
    return this.ctx.storage;
  }

  async load(): Promise<void> {
    const stored = await this.storage.get<Persisted>("state");
    this.s = stored ? upgrade(stored) : await this.initial();
    await this.notifier.load(this.s);
  }

  private async initial(): Promise<Persisted> {
    // Adopt a flag already in KV (e.g. set by hand) so the first start never flips traffic.
    const existing = Flag.safeParse(await this.env.ROUTING.get(FLAG_KEY, "json").catch(() => null));
    const blank = (): ColorRecord => ({
      version: null,
      health: "unknown",
      checkedAt: null,
      lostTrafficAt: null,
      lastOlderAt: null,
      drainedAt: null,
    });
    const flag = existing.success ? existing.data : DEFAULT_FLAG;
    // The first flag check compares KV for real (it may hold something else than the adopted flag).
    const flagSync = { ...inSyncRecord(null), syncedAt: existing.success ? Date.now() : null };
    return {
      flag,
      colors: { blue: blank(), green: blank() },
      deployment: null,
      samples: emptySamples(),
      canarySeq: 0,
      history: [],
      flagSync,
      convergence: startConvergence(flag, Date.parse(flag.updatedAt) || 0),
      incidents: [],
      protection: initialProtection(flag),
      standby: initialStandby(),
    };
  }

  drainRules(): DrainRules {
    const { drainSeconds, drainQuietSeconds, drainPath } = this.cfg;
    return {
      active: this.s.flag.color,
      flagSync: this.s.flagSync,
      drainSeconds,
      quietSeconds: drainQuietSeconds,
      inflightPollAt: drainPath === null ? null : this.drainPollAt,
    };
  }

  target(color: Color): ProbeTarget {
    const { origins, healthPath, canary, originTimeoutMs } = this.cfg;
    return { origin: origins[color], healthPath, canary, timeoutMs: originTimeoutMs };
  }

  /**
   * Judges the router reports that have settled since the last look, and copies the convergence into the
   * record of the deployment whose flag it is.
   */
  refreshConvergence(now = Date.now()): void {
    advance(this.s.convergence, now);
    const d = this.s.deployment;
    if (d && this.s.flag.deploymentId === d.id) {
      d.convergence = withConvergence(d.convergence, convergenceView(this.s.convergence, now));
    }
  }

  snapshot(): State {
    const now = Date.now();
    this.refreshConvergence(now);
    const rules = this.drainRules();
    const colorInfo = (c: Color): ColorInfo => {
      const r = this.s.colors[c];
      return {
        origin: this.cfg.origins[c],
        version: r.version,
        configHash: r.configHash ?? null,
        health: r.health,
        checkedAt: r.checkedAt,
        ...drainView(c, r, rules, now),
      };
    };
    return {
      active: this.s.flag.color,
      standby: otherColor(this.s.flag.color),
      epoch: this.s.flag.epoch,
      flag: this.s.flag,
      flagInSync: this.s.flagSync.inSync,
      flagSync: flagSyncView(this.s.flagSync),
      convergence: convergenceView(this.s.convergence, now),
      colors: { blue: colorInfo("blue"), green: colorInfo("green") },
      deployment: this.s.deployment,
      history: this.s.history,
      protection: protectionView(this.s),
      incidents: this.s.incidents,
      traffic: { blue: this.traffic.points("blue"), green: this.traffic.points("green") },
      storage: this.storageUse?.use ?? null,
      notifications: this.notifier.status(),
      // Only a Worker with both spool bindings has a spool to show.
      ...(this.env.SPOOL && this.env.SPOOL_BUCKET ? { spool: this.spool.view(now) } : {}),
      coverage: this.coverageNow(now),
      duplicateReports: this.reports.duplicates,
    };
  }

  /** The evidence coverage; undefined without location tiers (reports then carry no location). */
  coverageNow(now = Date.now()): CoverageState | undefined {
    return this.cfg.locationTier ? coverageState(this.coverage, this.s.deployment, now) : undefined;
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
    this.refreshConvergence();
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

type Stored = Omit<Persisted, "flagSync" | "convergence" | "colors" | "protection" | "standby"> &
  Partial<Pick<Persisted, "flagSync" | "convergence" | "protection" | "standby">> & {
    colors: Record<Color, Partial<ColorRecord> & { drainingUntil?: number | null }>;
  };

/** State stored by an older version of the controller, with what it lacks filled in. */
function upgrade(stored: Stored): Persisted {
  const colors = {} as Record<Color, ColorRecord>;
  for (const c of COLORS) {
    const { drainingUntil, ...r } = stored.colors[c];
    colors[c] = {
      version: r.version ?? null,
      health: r.health ?? "unknown",
      checkedAt: r.checkedAt ?? null,
      // A drain still running from before drains were judged by evidence starts again (the safe side).
      lostTrafficAt:
        r.lostTrafficAt !== undefined ? r.lostTrafficAt : (drainingUntil ?? 0) > Date.now() ? Date.now() : null,
      lastOlderAt: r.lastOlderAt ?? null,
      drainedAt: r.drainedAt ?? null,
      configHash: r.configHash ?? null,
    };
  }
  return {
    ...stored,
    colors,
    flagSync: stored.flagSync ?? inSyncRecord(null),
    convergence: stored.convergence ?? startConvergence(stored.flag, Date.parse(stored.flag.updatedAt) || 0),
    protection: stored.protection ?? initialProtection(stored.flag),
    standby: stored.standby ?? initialStandby(),
  };
}
