import { notifications } from "../notify/task";
import type { AlarmTask } from "./alarms";
import type { Core } from "./core";
import { HEALTH_REFRESH_MS, oldestHealthCheck, refreshHealth } from "./health";
import { type ProbePhase, probeRound } from "./probe-round";

const PROBED: readonly string[] = ["validating", "watching", "awaiting_decision"] satisfies ProbePhase[];

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

/** Health of both colors while someone watches the live stream. */
const health: AlarmTask = {
  name: "health",
  due: (core) => (core.hub.size ? oldestHealthCheck(core) + HEALTH_REFRESH_MS : null),
  run: (core) => refreshHealth(core),
};

/** Every task of the controller's alarm, in the order they run when due together. */
export const TASKS: readonly AlarmTask[] = [probes, health, notifications];
