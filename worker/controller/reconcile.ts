import { FLAG_KEY } from "../../shared";
import type { AlarmTask } from "./alarms";
import type { Core } from "./core";
import { flagSyncDue, markOutOfSync, markSynced } from "./flag-sync";
import { pushFlag } from "./flag-writer";

/**
 * Compares KV's flag with the controller's and rewrites KV when they differ (from every alarm and
 * health refresh). A KV that cannot be read is left for the next check.
 */
export async function reconcileFlag(core: Core): Promise<void> {
  if (core.kvWrite) return core.kvWrite;
  const flag = core.s.flag;
  let stored: string | null;
  try {
    stored = await core.env.ROUTING.get(FLAG_KEY);
  } catch (e) {
    console.error("flag check: KV read failed:", (e as Error).message);
    return;
  }
  // A switch during the read writes the flag itself.
  if (core.kvWrite || core.s.flag !== flag) return;
  const now = Date.now();
  core.s.flagSync.checkedAt = now;
  if (stored === JSON.stringify(flag)) {
    // e.g. a write reported as failed that did land.
    if (!core.s.flagSync.inSync) {
      markSynced(core.s.flagSync, now);
      await core.commit();
    }
    return;
  }
  const sync = core.s.flagSync;
  if (sync.inSync) {
    console.error(`flag check: KV holds ${stored ?? "nothing"}, not epoch ${flag.epoch}: rewriting it`);
    markOutOfSync(sync, now);
    await core.commit();
  } else if ((sync.retryAt ?? 0) > now) {
    // Behind after a failed write: the retry waits its turn (KV takes about one write per second per key).
    return;
  }
  await pushFlag(core);
}

/** Keeps KV's flag equal to the controller's: retries failed writes, and repairs a KV changed behind its back. */
export const flagTask: AlarmTask = {
  name: "flag",
  due: (core) => flagSyncDue(core.s.flagSync),
  everyAlarm: true,
  run: reconcileFlag,
};
