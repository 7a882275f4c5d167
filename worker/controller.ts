import { DurableObject } from "cloudflare:workers";
import {
  COLORS,
  type Color,
  type ColorInfo,
  type CounterFlush,
  DEFAULT_THRESHOLDS,
  DEFAULT_WATCH_SECONDS,
  type Deployment,
  type DeploymentRequest,
  type DeploymentStatus,
  FLAG_KEY,
  Flag,
  type HistoryEntry,
  isTerminal,
  otherColor,
  type Probe,
  quantile,
  type RollbackRequest,
  type RollbackResult,
  type State,
} from "../shared";
import { config, type Env } from "./env";
import { EventHub } from "./events";
import { DEFAULT_FLAG } from "./flag";
import { checkHealth, judge, type ProbeTarget, type Samples, sendCanary } from "./probes";
import { Traffic } from "./traffic";

export type Result<T> = { ok: true; value: T } | { ok: false; status: 400 | 404 | 409; code: string; message: string };

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(status: 400 | 404 | 409, code: string, message: string): Result<T> => ({
  ok: false,
  status,
  code,
  message,
});

const HISTORY_LIMIT = 50;
/** Ends of a deployment that leave its release on the standby, not fit to take traffic back. */
const REJECTED = new Set<DeploymentStatus>(["failed", "rolled_back", "aborted"]);
const PROBES_KEPT = 100;
const HEALTH_REFRESH_MS = 5000;
const KV_WRITE_ATTEMPTS = 4;

interface ColorRecord {
  version: string | null;
  health: ColorInfo["health"];
  checkedAt: string | null;
  drainingUntil: number | null;
}

/** Everything that must survive the object being evicted or restarted. */
interface Persisted {
  flag: Flag;
  colors: Record<Color, ColorRecord>;
  deployment: Deployment | null;
  /** probe totals of the running deployment's current phase. */
  samples: Samples;
  canarySeq: number;
  history: HistoryEntry[];
}

const iso = (ms = Date.now()) => new Date(ms).toISOString();

/**
 * One instance per platform. Serialises every transition (deploy, promote, rollback, abort), is the
 * only writer of the KV flag, runs the probes from alarms and keeps the history.
 */
export class DeploymentController extends DurableObject<Env> {
  private s!: Persisted;
  private readonly traffic = new Traffic();
  /**
   * Router requests and 5xx on the watched color under the watch's flag epoch. In memory: if the object
   * restarts mid-watch the count starts again (the probes go on meanwhile).
   */
  private watched = { requests: 0, errors5xx: 0 };
  private readonly hub = new EventHub();
  private lastTrafficBroadcast = 0;
  private kvChain: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.s = (await ctx.storage.get<Persisted>("state")) ?? (await this.initial());
    });
  }

  private async initial(): Promise<Persisted> {
    // Adopt a flag already in KV (e.g. set by hand) so the first start never flips traffic.
    const existing = Flag.safeParse(await this.env.ROUTING.get(FLAG_KEY, "json").catch(() => null));
    const blank = (): ColorRecord => ({ version: null, health: "unknown", checkedAt: null, drainingUntil: null });
    return {
      flag: existing.success ? existing.data : DEFAULT_FLAG,
      colors: { blue: blank(), green: blank() },
      deployment: null,
      samples: { latencies: [], errors: 0 },
      canarySeq: 0,
      history: [],
    };
  }

  private get cfg() {
    return config(this.env);
  }

  private target(color: Color): ProbeTarget {
    return { origin: this.cfg.origins[color], healthPath: this.cfg.healthPath, canaryPath: this.cfg.canaryPath };
  }

  // ---------- reads ----------

  async getState(): Promise<State> {
    await this.refreshHealthIfStale();
    return this.snapshot();
  }

  async getDeployment(id: string): Promise<Result<Deployment>> {
    if (this.s.deployment?.id === id) return ok(this.s.deployment);
    const stored = await this.ctx.storage.get<Deployment>(`dep:${id}`);
    return stored ? ok(stored) : fail(404, "not_found", `no deployment ${id}`);
  }

  /** GET /api/events: a server-sent-event stream, first the whole state, then every change. */
  override async fetch(): Promise<Response> {
    await this.refreshHealthIfStale();
    const res = this.hub.subscribe({ event: "state", data: this.snapshot() });
    await this.schedule();
    return res;
  }

  private snapshot(): State {
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
    };
  }

  // ---------- commands ----------

  async startDeployment(req: DeploymentRequest, actor: string | null): Promise<Result<Deployment>> {
    const running = this.s.deployment;
    if (running && !isTerminal(running.status)) {
      return fail(409, "deployment_in_progress", `deployment ${running.id} (${running.version}) is ${running.status}`);
    }
    const active = this.s.flag.color;
    const color = req.color ?? otherColor(active);
    if (color === active) {
      return fail(409, "color_active", `${color} is serving traffic; deploy to the idle color ${otherColor(active)}`);
    }
    const drainingUntil = this.s.colors[color].drainingUntil;
    if (drainingUntil !== null && drainingUntil > Date.now()) {
      return fail(
        409,
        "color_draining",
        `${color} lost traffic recently and must stay warm until ${iso(drainingUntil)} (drainSeconds=${this.cfg.drainSeconds})`,
      );
    }
    const now = iso();
    const d: Deployment = {
      id: crypto.randomUUID(),
      version: req.version,
      color,
      previousColor: active,
      sha: req.sha ?? null,
      // The caller's own "who" (e.g. the GitHub user) is kept, never in place of who authenticated.
      actor: req.actor ? `${req.actor} via ${actor ?? "operator"}` : actor,
      autoPromote: req.autoPromote ?? true,
      thresholds: { ...DEFAULT_THRESHOLDS, ...req.thresholds },
      watchSeconds: req.watchSeconds ?? DEFAULT_WATCH_SECONDS,
      status: "validating",
      reason: null,
      createdAt: now,
      updatedAt: now,
      promotedAt: null,
      finishedAt: null,
      steps: [{ status: "validating", at: now, detail: `validating ${req.version} on ${color}` }],
      probes: [],
    };
    this.s.deployment = d;
    this.s.samples = { latencies: [], errors: 0 };
    this.pushHistory(d);
    await this.commit();
    await this.ctx.storage.setAlarm(Date.now());
    return ok(d);
  }

  async promote(id: string, actor: string | null): Promise<Result<Deployment>> {
    const d = this.current(id);
    if (!d.ok) return d;
    if (d.value.status !== "awaiting_promotion") {
      return fail(409, "wrong_state", `deployment ${id} is ${d.value.status}; promote needs awaiting_promotion`);
    }
    await this.switchTo(d.value, `promoted by ${actor ?? "operator"}`);
    return ok(d.value);
  }

  async abort(id: string, actor: string | null): Promise<Result<Deployment>> {
    const d = this.current(id);
    if (!d.ok) return d;
    const dep = d.value;
    if (isTerminal(dep.status)) return fail(409, "wrong_state", `deployment ${id} already ${dep.status}`);
    const reason = `aborted by ${actor ?? "operator"}`;
    if (dep.status === "promoted" || dep.status === "watching") await this.revert(dep, "aborted", reason);
    else await this.finish(dep, "aborted", reason);
    return ok(dep);
  }

  async rollback({ reason, force }: RollbackRequest, actor: string | null): Promise<Result<RollbackResult>> {
    const why = `manual rollback by ${actor ?? "operator"}${reason ? `: ${reason}` : ""}`;
    const dep = this.s.deployment;
    if (dep && (dep.status === "promoted" || dep.status === "watching")) {
      const from = this.s.flag.color;
      await this.revert(dep, "rolled_back", why);
      return ok({ from, to: this.s.flag.color, flag: this.s.flag, deploymentId: dep.id });
    }
    if (dep && !isTerminal(dep.status)) {
      return fail(
        409,
        "deployment_in_progress",
        `deployment ${dep.id} is ${dep.status} on the standby color; abort it instead of rolling back onto it`,
      );
    }
    const from = this.s.flag.color;
    const to = otherColor(from);
    const epoch = this.s.flag.epoch;
    const health = await checkHealth(this.target(to), null);
    // A deployment or another switch may have started while the health check was in flight.
    if (this.s.flag.epoch !== epoch || (this.s.deployment && !isTerminal(this.s.deployment.status))) {
      return fail(409, "conflict", "state changed during the rollback's health check; look again and retry");
    }
    this.recordHealth(to, health.ok, health.version);
    if (!health.ok) {
      await this.commit();
      return fail(409, "standby_unhealthy", `cannot roll back to ${to}: ${health.detail}`);
    }
    // After a failed or reverted deployment the standby still runs the release that was just rejected:
    // "roll back" there would put traffic on it. Redeploy a good version there, or insist with force.
    const last = this.s.deployment;
    if (!force && last?.color === to && REJECTED.has(last.status) && health.version === last.version) {
      await this.commit();
      return fail(
        409,
        "standby_rejected",
        `${to} runs ${last.version}, which deployment ${last.id} ended as ${last.status}; redeploy a good version there, or send {"force":true}`,
      );
    }
    const entry: HistoryEntry = {
      kind: "rollback",
      id: crypto.randomUUID(),
      version: health.version,
      from,
      to,
      status: "rolled_back_manually",
      reason: why,
      actor,
      startedAt: iso(),
      finishedAt: iso(),
    };
    this.s.history = [entry, ...this.s.history].slice(0, HISTORY_LIMIT);
    // Like any switch: routers may still send to `from` until the flag reaches them, so it stays warm.
    this.s.colors[from].drainingUntil = Date.now() + this.cfg.drainSeconds * 1000;
    this.s.colors[to].drainingUntil = null;
    await this.writeFlag(to, null);
    return ok({ from, to, flag: this.s.flag, deploymentId: null });
  }

  /** Router counters, at most once a second per isolate. */
  async report(batches: CounterFlush[]): Promise<void> {
    const d = this.s.deployment;
    for (const batch of batches) {
      this.traffic.add(batch);
      // Only what the routers sent to the new color under this deployment's own flag counts for its watch.
      if (d?.status === "watching" && this.s.flag.deploymentId === d.id && batch.epoch === this.s.flag.epoch) {
        this.watched.requests += batch.colors[d.color].requests;
        this.watched.errors5xx += batch.colors[d.color].errors5xx;
      }
    }
    const now = Date.now();
    if (this.hub.size && now - this.lastTrafficBroadcast >= 1000) {
      this.lastTrafficBroadcast = now;
      this.hub.broadcast("traffic", { blue: this.traffic.latest("blue"), green: this.traffic.latest("green") });
    }
  }

  // ---------- probes (alarm) ----------

  override async alarm(): Promise<void> {
    const d = this.s.deployment;
    if (d && (d.status === "validating" || d.status === "watching")) await this.tick(d.id, d.status);
    else if (this.hub.size) await this.refreshHealth();
    await this.schedule();
  }

  /** One probe round: health and a canary batch against the deployment's color. */
  private async tick(id: string, phase: "validating" | "watching"): Promise<void> {
    const dep = this.s.deployment as Deployment;
    const target = this.target(dep.color);
    const seq = ++this.s.canarySeq;
    const [health, canary] = await Promise.all([checkHealth(target, dep.version), sendCanary(target, id, seq)]);
    // Anything may have happened while the probes were in flight (abort, rollback): re-check.
    const d = this.s.deployment;
    if (!d || d.id !== id || d.status !== phase) return;
    const p = phase === "validating" ? "pre" : "post";
    const at = iso();
    this.recordHealth(d.color, health.ok, health.version);
    this.addProbe(d, {
      phase: p,
      check: "health",
      ok: health.ok,
      at,
      latencyMs: health.latencyMs,
      detail: health.detail,
    });
    this.addProbe(d, {
      phase: p,
      check: "canary",
      ok: canary.ok,
      at,
      latencyMs: canary.latencyMs,
      detail: canary.detail,
    });
    this.s.samples.latencies.push(health.latencyMs, canary.latencyMs);
    this.s.samples.errors += Number(!health.ok) + Number(!canary.ok);
    if (p === "pre") {
      d.summary = {
        samples: this.s.samples.latencies.length,
        errors: this.s.samples.errors,
        p95Ms: quantile(this.s.samples.latencies, 0.95),
      };
    }

    // A wrong version is never a fluke: stop at once.
    if (health.version !== null && health.version !== d.version) {
      return this.breach(d, "health", health.detail);
    }
    const verdict = judge(this.s.samples, d.thresholds);
    if (verdict.kind === "fail") return this.breach(d, verdict.check, verdict.reason);

    if (phase === "validating") {
      if (verdict.kind === "pass") {
        if (d.autoPromote) return this.switchTo(d, "validation passed, auto-promote");
        this.setStatus(d, "awaiting_promotion", "validation passed; waiting for promote");
      }
      return this.commit();
    }

    const live = this.watched;
    if (live.requests >= d.thresholds.minRouterRequests && live.requests > 0) {
      const rate = live.errors5xx / live.requests;
      const okRate = rate <= d.thresholds.maxErrorRate;
      const detail = `router 5xx ${(rate * 100).toFixed(1)}% (${live.errors5xx}/${live.requests})`;
      this.addProbe(d, { phase: "post", check: "router_5xx", ok: okRate, at, detail });
      if (!okRate)
        return this.breach(d, "router_5xx", `${detail} over ${(d.thresholds.maxErrorRate * 100).toFixed(1)}%`);
    }
    if (Date.now() - Date.parse(d.promotedAt ?? at) >= d.watchSeconds * 1000) {
      return this.finish(d, "succeeded", `watched ${d.watchSeconds}s without breach`);
    }
    return this.commit();
  }

  private breach(d: Deployment, check: Probe["check"], reason: string): Promise<void> {
    const why = `${check} check failed: ${reason}`;
    return d.status === "watching" ? this.revert(d, "rolled_back", why) : this.finish(d, "failed", why);
  }

  private async schedule(): Promise<void> {
    const d = this.s.deployment;
    if (d && (d.status === "validating" || d.status === "watching")) {
      await this.ctx.storage.setAlarm(Date.now() + d.thresholds.probeIntervalMs);
    } else if (this.hub.size) {
      await this.ctx.storage.setAlarm(Date.now() + HEALTH_REFRESH_MS);
    }
  }

  private async refreshHealthIfStale(): Promise<void> {
    const stale = COLORS.some((c) => {
      const at = this.s.colors[c].checkedAt;
      return at === null || Date.now() - Date.parse(at) > HEALTH_REFRESH_MS;
    });
    if (stale) await this.refreshHealth();
  }

  private async refreshHealth(): Promise<void> {
    const signature = () => COLORS.map((c) => `${this.s.colors[c].health}:${this.s.colors[c].version}`).join();
    const before = signature();
    const results = await Promise.all(COLORS.map((c) => checkHealth(this.target(c), null)));
    COLORS.forEach((c, i) => {
      const r = results[i];
      if (r) this.recordHealth(c, r.ok, r.version);
    });
    // Tell subscribers only when something they show changed.
    if (signature() !== before) await this.commit();
    else await this.ctx.storage.put("state", this.s);
  }

  private recordHealth(color: Color, healthy: boolean, version: string | null): void {
    const r = this.s.colors[color];
    r.health = healthy ? "healthy" : "unhealthy";
    if (version !== null) r.version = version;
    r.checkedAt = iso();
  }

  // ---------- transitions ----------

  private current(id: string): Result<Deployment> {
    const d = this.s.deployment;
    if (d?.id === id) return ok(d);
    return fail(404, "not_found", `no running deployment ${id}`);
  }

  private setStatus(d: Deployment, status: DeploymentStatus, detail: string): void {
    const at = iso();
    d.status = status;
    d.updatedAt = at;
    d.steps.push({ status, at, detail });
  }

  private addProbe(d: Deployment, probe: Probe): void {
    d.probes.push(probe);
    if (d.probes.length > PROBES_KEPT) d.probes.splice(0, d.probes.length - PROBES_KEPT);
  }

  /** Moves traffic to the deployment's color: one KV write, then the post-promotion watch. */
  private async switchTo(d: Deployment, detail: string): Promise<void> {
    d.promotedAt = iso();
    this.setStatus(d, "promoted", `${detail}; traffic ${d.previousColor} → ${d.color}`);
    this.s.colors[d.previousColor].drainingUntil = Date.now() + this.cfg.drainSeconds * 1000;
    this.s.samples = { latencies: [], errors: 0 };
    if (d.watchSeconds === 0) {
      await this.writeFlag(d.color, d.id);
      return this.finish(d, "succeeded", "promoted (no watch period)");
    }
    this.setStatus(d, "watching", `watching ${d.color} for ${d.watchSeconds}s`);
    this.watched = { requests: 0, errors5xx: 0 };
    await this.writeFlag(d.color, d.id);
    await this.ctx.storage.setAlarm(Date.now() + d.thresholds.probeIntervalMs);
  }

  /** Traffic back to where it was before the deployment. */
  private async revert(d: Deployment, status: "rolled_back" | "aborted", reason: string): Promise<void> {
    this.s.colors[d.color].drainingUntil = Date.now() + this.cfg.drainSeconds * 1000;
    this.s.colors[d.previousColor].drainingUntil = null;
    this.closeDeployment(d, status, reason);
    await this.writeFlag(d.previousColor, d.id);
  }

  private async finish(d: Deployment, status: DeploymentStatus, reason: string): Promise<void> {
    this.closeDeployment(d, status, reason);
    await this.commit();
  }

  private closeDeployment(d: Deployment, status: DeploymentStatus, reason: string): void {
    this.setStatus(d, status, reason);
    d.reason = reason;
    d.finishedAt = d.updatedAt;
    this.pushHistory(d);
  }

  private pushHistory(d: Deployment): void {
    const entry: HistoryEntry = {
      kind: "deployment",
      id: d.id,
      version: d.version,
      from: d.previousColor,
      to: d.color,
      status: d.status,
      reason: d.reason,
      actor: d.actor,
      startedAt: d.createdAt,
      finishedAt: d.finishedAt,
      promotedAt: d.promotedAt,
    };
    const rest = this.s.history.filter((h) => h.id !== d.id);
    this.s.history = [entry, ...rest].slice(0, HISTORY_LIMIT);
    const dropped = rest.slice(HISTORY_LIMIT - 1).map((h) => `dep:${h.id}`);
    if (dropped.length) this.ctx.storage.delete(dropped);
  }

  /** Flag change: state persisted first, then one KV write; writes are chained so they land in order. */
  private async writeFlag(color: Color, deploymentId: string | null): Promise<void> {
    this.s.flag = { color, epoch: this.s.flag.epoch + 1, deploymentId, updatedAt: iso() };
    await this.commit();
    const value = JSON.stringify(this.s.flag);
    this.kvChain = this.kvChain.then(() => this.putWithRetry(value));
    await this.kvChain;
  }

  private async putWithRetry(value: string): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        return await this.env.ROUTING.put(FLAG_KEY, value);
      } catch (e) {
        // KV allows about one write per second per key: back off and try again.
        if (i >= KV_WRITE_ATTEMPTS) throw e;
        await new Promise((r) => setTimeout(r, 1000 * i));
      }
    }
  }

  /** Persists the state and tells every subscriber. */
  private async commit(): Promise<void> {
    const d = this.s.deployment;
    await this.ctx.storage.put(d ? { state: this.s, [`dep:${d.id}`]: d } : { state: this.s });
    this.hub.broadcast("state", this.snapshot());
  }
}
