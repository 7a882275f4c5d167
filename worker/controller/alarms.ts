import type { Core } from "./core";

/** One kind of work done from the controller's single alarm; each task decides when it is next due. */
export interface AlarmTask {
  readonly name: string;
  /** Unix ms when the task next wants to run, or null when it has nothing to do. */
  due(core: Core): number | null;
  /** Also runs whenever the alarm fires for another task (a cheap check that must not wait its turn). */
  readonly everyAlarm?: boolean;
  run(core: Core): Promise<void>;
}

/**
 * Runs every due task, then sets the alarm to the earliest next due time. Alarms are at-least-once, so
 * every task must be idempotent. A task that throws is logged and does not stop the others; it runs
 * again when next due (rethrowing would make Cloudflare retry the whole alarm, every task included).
 */
export async function runAlarm(core: Core, tasks: readonly AlarmTask[]): Promise<void> {
  for (const task of tasks) {
    const at = task.due(core);
    // The time now, not when the alarm began: an earlier task may have made this one due (a flag write
    // that landed starts the drain clock), and a second run must find nothing left to do.
    if (!task.everyAlarm && (at === null || at > Date.now())) continue;
    try {
      await task.run(core);
    } catch (e) {
      console.error(`alarm task ${task.name} failed:`, (e as Error).message);
    }
  }
  await schedule(core, tasks);
}

/** The alarm at the earliest time any task is due (none when nothing is). */
export async function schedule(core: Core, tasks: readonly AlarmTask[]): Promise<void> {
  const due = tasks.map((t) => t.due(core)).filter((at): at is number => at !== null);
  if (due.length === 0) return core.storage.deleteAlarm();
  await core.storage.setAlarm(Math.max(Date.now(), Math.min(...due)));
}
