import type { FlagSync } from "../../shared";
import { isoOrNull } from "./time";

/** Whether KV holds the controller's flag, as the controller last knew it (persisted; unix ms). */
export interface FlagSyncRecord {
  inSync: boolean;
  outOfSyncSince: number | null;
  syncedAt: number | null;
  checkedAt: number | null;
  failures: number;
  lastError: string | null;
  retryAt: number | null;
}

/** A failed write is retried after 1, 2, 4 … s, at most this long apart (KV takes ~1 write/s per key). */
const RETRY_MAX_MS = 30_000;
/** While in sync, KV is compared at least this often even when nothing else wakes the controller. */
export const FLAG_CHECK_MS = 60_000;

export const inSyncRecord = (now: number | null): FlagSyncRecord => ({
  inSync: true,
  outOfSyncSince: null,
  syncedAt: now,
  checkedAt: now,
  failures: 0,
  lastError: null,
  retryAt: null,
});

/** The controller's flag changed (or KV was found to differ): KV is behind until a write lands. */
export function markOutOfSync(r: FlagSyncRecord, now: number): void {
  if (!r.inSync) return;
  r.inSync = false;
  r.outOfSyncSince = now;
  r.retryAt = now;
}

export function markSynced(r: FlagSyncRecord, now: number): void {
  Object.assign(r, inSyncRecord(now));
}

/** A write failed: when to try again. */
export function markFailed(r: FlagSyncRecord, error: string, now: number): number {
  r.failures++;
  r.lastError = error;
  r.retryAt = now + Math.min(1000 * 2 ** (r.failures - 1), RETRY_MAX_MS);
  return r.retryAt;
}

/** When the flag task next wants to run: the retry when behind, else the periodic check. */
export const flagSyncDue = (r: FlagSyncRecord): number =>
  r.inSync ? (r.checkedAt ?? 0) + FLAG_CHECK_MS : (r.retryAt ?? 0);

export const flagSyncView = (r: FlagSyncRecord): FlagSync => ({
  outOfSyncSince: r.inSync ? null : isoOrNull(r.outOfSyncSince),
  syncedAt: isoOrNull(r.syncedAt),
  checkedAt: isoOrNull(r.checkedAt),
  failures: r.failures,
  lastError: r.lastError,
  retryAt: r.inSync ? null : isoOrNull(r.retryAt),
});
