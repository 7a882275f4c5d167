import { type CounterFlush, Flag } from "../../shared/schemas";
import {
  answeringSince,
  FAST_PATH_TIMEOUT_MS,
  FAST_PATH_TTL_MS,
  type FastPath,
  REFRESH_STALL_MS,
  type WaitUntil,
} from "../flag/fast";
import type { Counters } from "../router/counters";

/** What an isolate gets back for its report: the flag as the controller last answered it (null: not yet). */
export interface TierAnswer {
  flag: Flag | null;
  /** when the controller was asked for it (unix ms). */
  readAt: number;
}

/** The one call an isolate makes to its location's tier (a stub of LocationTier is one; tests pass their own). */
export interface TierIo {
  sync(batches: CounterFlush[], location: string): Promise<TierAnswer>;
}

/** The tier an isolate talks to, and its location's name; null: no tier (LOCATION_TIER off). */
export type TierOf<E> = (env: E) => { tier: TierIo; location: string } | null;

/** How soon counts left behind by a busy link look again. */
const RETRY_MS = 100;

const timeout = (ms: number) =>
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms));

/**
 * An isolate's link to its location's tier: the fast path for the flag and the way out for its counts, in
 * one request a second at most (its counts go, the flag comes back). Never awaited by a request: a sync
 * runs in the background through `waitUntil`, like the cache-based fast path it replaces. A sync that
 * fails puts its counts back for the next one; one that never ends is given up after REFRESH_STALL_MS.
 */
export class TierLink<E> implements FastPath<E> {
  private known: { flag: Flag; readAt: number } | null = null;
  private lastSync = 0;
  private syncing: { since: number } | null = null;
  private scheduled = false;
  reads = 0;
  failures = 0;
  readonly cacheHits = 0;

  constructor(
    private readonly counters: Counters,
    private readonly tierOf: TierOf<E>,
  ) {}

  /** Whether this isolate has a tier under `env` (else the router uses the controller, as before). */
  on(env: E): boolean {
    return this.tierOf(env) !== null;
  }

  peek(env: E, ctx: WaitUntil, now = Date.now()): Flag | null {
    this.kick(env, ctx, now);
    return this.known?.flag ?? null;
  }

  answering(now: number): boolean {
    return answeringSince(this.known?.readAt, now);
  }

  /** After a request: its counts leave with the next sync (now if one is due, else when it is). */
  flush(env: E, ctx: WaitUntil, now = Date.now()): void {
    if (this.kick(env, ctx, now) || this.scheduled || !this.counters.waiting) return;
    this.scheduled = true;
    // Not before the next sync is due, nor in a tight loop while one is still under way.
    const wait = Math.max(RETRY_MS, this.lastSync + FAST_PATH_TTL_MS - now);
    ctx.waitUntil(
      new Promise((r) => setTimeout(r, wait)).then(() => {
        this.scheduled = false;
        this.flush(env, ctx, Date.now());
      }),
    );
  }

  /** Starts a sync when one is due and none is under way; true when it did. */
  private kick(env: E, ctx: WaitUntil, now: number): boolean {
    const busy = this.syncing !== null && now - this.syncing.since < REFRESH_STALL_MS;
    const to = this.tierOf(env);
    if (!to || busy || now - this.lastSync < FAST_PATH_TTL_MS) return false;
    const mine = { since: now };
    this.syncing = mine;
    this.lastSync = now;
    ctx.waitUntil(
      this.sync(to.tier, to.location).finally(() => {
        if (this.syncing === mine) this.syncing = null;
      }),
    );
    return true;
  }

  private async sync(tier: TierIo, location: string): Promise<void> {
    this.reads++;
    const batches = this.counters.take(Date.now());
    // The counts go back only when the call failed, never on a mere timeout (it may still land: no double count).
    const call = tier.sync(batches, location).catch((e: unknown) => {
      this.counters.add(batches);
      throw e;
    });
    try {
      const answer = await Promise.race([call, timeout(FAST_PATH_TIMEOUT_MS)]);
      const flag = answer.flag === null ? null : Flag.parse(answer.flag);
      if (flag && answer.readAt >= (this.known?.readAt ?? 0)) this.known = { flag, readAt: answer.readAt };
    } catch {
      this.failures++;
    }
  }
}
