import { notifications } from "../notify/task";
import { watchActive } from "./active-watch";
import type { AlarmTask } from "./alarms";
import type { Core } from "./core";
import { deadlineTask } from "./deadlines";
import { drainDue, settleDrains } from "./drain";
import { pollInflight } from "./inflight";
import { type ProbePhase, probeRound } from "./probe-round";
import { checkStandby } from "./standby-check";

const PROBED: readonly string[] = ["validating", "watching", "awaiting_decision"] satisfies ProbePhase[];

import { flagTask } from "./reconcile";

const probing = (core: Core) => {
  const d = core.s.deployment;
  return d && PROBED.includes(d.status) ? d : null;
};

/** Validation and watch rounds of the running deployment, every `probeIntervalMs`. */
const probes: AlarmTask = {
  name: "probes",
  due: (core) => (probing(core) ? core.nextProbeAt : null),
  async run(core) {
    const d = probing(core);
    if (!d) return;
    core.nextProbeAt = Date.now() + d.thresholds.probeIntervalMs;
    await probeRound(core, d.id, d.status as ProbePhase);
  },
};

/**
 * Both colors' health, a verdict on the active one and on whether the idle one may take failover traffic,
 * every HEALTH_INTERVAL_MS, whether anyone looks or not.
 */
const active: AlarmTask = {
  name: "active",
  due: (core) => core.active.nextAt,
  async run(core) {
    core.active.nextAt = Date.now() + core.cfg.healthIntervalMs;
    await watchActive(core);
    await checkStandby(core);
  },
};

/**
 * Declares drained the colors whose drain is complete (by evidence, see drain.ts), and tells subscribers;
 * with DRAIN_PATH, first asks the draining colors for their in-flight work.
 */
const drains: AlarmTask = {
  name: "drains",
  due: (core) => drainDue(core.s.colors, core.drainRules(), Date.now()),
  async run(core) {
    const told = await pollInflight(core);
    if (settleDrains(core.s.colors, core.drainRules(), Date.now()) || told) await core.commit();
  },
};

/** Every task of the controller's alarm, in the order they run when due together. */
export const TASKS: readonly AlarmTask[] = [flagTask, deadlineTask, probes, active, drains, notifications];
