import { DurableObject } from "cloudflare:workers";
import type { AuditLog, RefusalReason } from "../../shared/audit";
import type {
  CounterFlush,
  Deployment,
  DeploymentRequest,
  Flag,
  RollbackRequest,
  RollbackResult,
  State,
} from "../../shared/index";
import { AuditStore, type NewAuditEntry } from "../audit/store";
import { config, type Env } from "../env";
import type { SpoolMessage } from "../spool/message";
import type { SpoolReport } from "../spool/report";
import { runAlarm, schedule } from "./alarms";
import { Core, recordKey } from "./core";
import { abort, promote, startDeployment } from "./deployments";
import { refreshHealthIfStale } from "./health";
import { takeReport } from "./report";
import { fail, ok, type Result } from "./result";
import { rollback } from "./rollback";
import { takeSpoolReport } from "./spool";
import { TASKS } from "./tasks";

export type { Result } from "./result";

/**
 * One instance per platform. Serialises every transition (deploy, promote, rollback, abort), is the
 * only writer of the KV flag, runs the probes from alarms and keeps the history. The RPC methods only
 * wire: each transition lives in `controller/`.
 */
export class DeploymentController extends DurableObject<Env> {
  private readonly core: Core;
  private readonly auditStore: AuditStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.core = new Core(ctx, env);
    this.auditStore = new AuditStore(ctx.storage.sql, config(env).auditEntries);
    // The alarm runs from the start: the active color is watched even when nobody looks.
    ctx.blockConcurrencyWhile(async () => {
      await this.core.load();
      await schedule(this.core, TASKS);
    });
  }

  // ---------- reads ----------

  async getState(): Promise<State> {
    await refreshHealthIfStale(this.core);
    await this.core.measureStorage();
    return this.core.snapshot();
  }

  /**
   * The fast path (FLAG_FAST_PATH): routers read the current flag here, about once per location per
   * second. Storage writes are behind the output gate, so a flag is never answered before it is persisted.
   */
  async currentFlag(): Promise<Flag> {
    return this.core.s.flag;
  }

  async getDeployment(id: string): Promise<Result<Deployment>> {
    if (this.core.s.deployment?.id === id) return ok(this.core.s.deployment);
    const stored = await this.ctx.storage.get<Deployment>(recordKey(id));
    return stored ? ok(stored) : fail(404, "not_found", `no deployment ${id}`);
  }

  /** GET /api/events: a server-sent-event stream, first the whole state, then every change. */
  override async fetch(): Promise<Response> {
    await refreshHealthIfStale(this.core);
    const res = this.core.hub.subscribe({ event: "state", data: this.core.snapshot() });
    await schedule(this.core, TASKS);
    return res;
  }

  // ---------- commands ----------

  startDeployment(req: DeploymentRequest, actor: string | null): Promise<Result<Deployment>> {
    return startDeployment(this.core, req, actor);
  }

  promote(id: string, actor: string | null): Promise<Result<Deployment>> {
    return promote(this.core, id, actor);
  }

  abort(id: string, actor: string | null): Promise<Result<Deployment>> {
    return abort(this.core, id, actor);
  }

  rollback(req: RollbackRequest, actor: string | null): Promise<Result<RollbackResult>> {
    return rollback(this.core, req, actor);
  }

  /** Router counters, at most once a second per isolate (without a location tier). */
  async report(batches: CounterFlush[]): Promise<void> {
    takeReport(this.core, batches);
  }

  // ---------- edge spool (worker/spool) ----------

  /** One queue consumer batch's outcomes. */
  spoolReport(report: SpoolReport): Promise<void> {
    return takeSpoolReport(this.core, report);
  }

  /** The oldest dead letters, for POST /api/spool/replay to send back to the queue. */
  spoolDeadLetters(limit: number): SpoolMessage[] {
    return this.core.spool.deadLetters(limit);
  }

  /** Dead letters the replay sent back to the queue. */
  spoolReplayed(messages: SpoolMessage[]): void {
    this.core.spool.replayed(messages);
    this.core.hub.broadcast("state", this.core.snapshot());
  }

  /**
   * A location tier's exchange, at most once a second per location: its isolates' merged counts in, the
   * current flag out (the fast path), in one request.
   */
  async exchange(batches: CounterFlush[], location: string): Promise<Flag> {
    this.core.coverage.seen(location);
    takeReport(this.core, batches);
    return this.core.s.flag;
  }

  // ---------- audit log (worker/audit) ----------

  audit(entry: NewAuditEntry): void {
    this.auditStore.append(entry);
    // Operators' dashboards read the log again (it has no content: viewers learn nothing). Reads are not
    // announced: a dashboard's own GET /api/audit is recorded too, and would announce itself for ever.
    if (!entry.call.startsWith("GET ")) this.core.hub.broadcast("audit", { at: entry.at });
  }

  auditRefusals(counts: Partial<Record<RefusalReason, number>>, at: string): void {
    this.auditStore.countRefusals(counts, at);
  }

  auditLog(limit: number, before: number | null): AuditLog {
    return this.auditStore.read(limit, before);
  }

  // ---------- alarms ----------

  override alarm(): Promise<void> {
    return runAlarm(this.core, TASKS);
  }
}
