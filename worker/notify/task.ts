import type { AlarmTask } from "../controller/alarms";
import type { Core } from "../controller/core";
import type { NotifyEvent } from "./events";
import type { Delivery } from "./outbox";
import { send } from "./send";

/**
 * Raises a notification (deadline, failed KV write, ejection surge, …): queued durably, sent from the alarm.
 * Status changes and manual rollbacks need no call: the controller queues them as it persists them.
 */
export async function notify(core: Core, event: NotifyEvent): Promise<void> {
  if (!core.notifier.emit(event)) return;
  await core.notifier.write();
  await core.wake(Date.now());
}

/** One attempt, then its outcome recorded and the alarm set for what is due next. */
async function attempt(core: Core, d: Delivery): Promise<void> {
  const outcome = await send(d, core.notifier.secret);
  core.notifier.outbox.settle(d.key, outcome, Date.now());
  await core.notifier.write();
  const next = core.notifier.due();
  if (next !== null) await core.wake(next);
  core.hub.broadcast("state", core.snapshot());
}

/**
 * Webhook deliveries, from the controller's alarm, never on a request's path. The attempts run in the
 * background so a slow webhook does not hold up the probe rounds sharing the alarm; each is leased first,
 * so one cut short by an eviction is retried (at-least-once; receivers deduplicate on the event id).
 */
export const notifications: AlarmTask = {
  name: "notifications",
  due: (core) => core.notifier.due(),
  async run(core) {
    const batch = core.notifier.outbox.lease(Date.now(), core.notifier.urls);
    await core.notifier.write();
    for (const d of batch) {
      attempt(core, d).catch((e) => console.error("notification delivery failed:", (e as Error).message));
    }
  },
};
