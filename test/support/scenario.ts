// The scripted scenario `npm start` shows and the zero-loss suite asserts: real producers ship logs through
// the Worker while the bundled action deploys, rolls back by hand, deploys a release that mirrored live load
// rejects before it serves, and a release that dies under load once it serves.
import type { Color } from "../../shared";
import type { FaultsByVersion } from "../platform/faults";
import { HttpShipper } from "../producers/http-shipper";
import { OtelProducer } from "../producers/otel-producer";
import type { Producer } from "../producers/producer";
import { type ActionFiles, runDist } from "./action-env";
import type { Deployer } from "./deployer";
import type { Stack } from "./stack";

/**
 * v4 is fast for single probes and slow under load (a request finding more than four others in progress
 * waits 1.5 s): validated on copies of all live ingest (mirror-percent 100), it cannot keep up and fails
 * before it gets any traffic. v3 passes validation (its few canary batches are fine; deployed with
 * mirror-percent 0, or the copies would kill it during validation), then its process dies under the
 * producers' load once it is serving: the watch must catch it and put the flag back.
 */
export const SCENARIO_FAULTS: FaultsByVersion = {
  v3: { crashAfter: 60 },
  v4: { slowIngestMs: 150, slowUnderLoad: { above: 4, ms: 1500 } },
};

/**
 * The Worker's vars for the scenario: health (and the standby's readiness rounds) every second, so a restored
 * standby is a failover target again about 3 s after its redeploy.
 */
export const SCENARIO_VARS = { HEALTH_INTERVAL_MS: "1000" };

/** Quick probe rounds and a short watch, so the whole scenario takes well under a minute. */
const TUNING = {
  thresholds: JSON.stringify({ probeIntervalMs: 250, minSamples: 8, maxP95Ms: 3000 }),
  "watch-seconds": "6",
};

interface Step {
  title: string;
  inputs: Record<string, string>;
  /** exit code, outputs and active color a correct run ends with. */
  want: { code: number; result: string; active: Color; outputs: Record<string, string> };
}

export interface StepResult {
  title: string;
  ok: boolean;
  code: number | null;
  result: string;
  active: Color;
  want: Step["want"];
  seconds: number;
  /** the controller's reason (why a deployment failed or was rolled back). */
  reason: string | null;
  /** the action's `standby` output: the idle color a failover target at the end (restored after a failure). */
  standby: string;
}

/**
 * The order: a good release, the operator's rollback to the previous version, a release rejected on mirrored
 * load, then a bad release. After each but the first the action restores the standby (restore-standby, on with
 * deploy-command): v1 back on green, proven by probes, so the active color is never left without failover.
 */
const steps = (deployCommand: string): Step[] => [
  {
    title: "deploy good v2",
    inputs: { version: "v2", "deploy-command": deployCommand, ...TUNING },
    want: {
      code: 0,
      result: "succeeded",
      active: "green",
      outputs: { "previous-color": "blue", version: "v2", standby: "ready" },
    },
  },
  {
    title: "manual rollback",
    inputs: { command: "rollback", reason: "npm start: operator rolls back to v1", "deploy-command": deployCommand },
    want: {
      code: 0,
      result: "rolled_back_manually",
      active: "blue",
      outputs: { "active-color": "blue", "previous-color": "green", version: "v1", standby: "ready" },
    },
  },
  {
    title: "deploy v4 (slow under load)",
    inputs: { version: "v4", "deploy-command": deployCommand, ...TUNING, "mirror-percent": "100" },
    want: {
      code: 1,
      result: "failed",
      active: "blue",
      outputs: { "active-color": "blue", version: "v4", standby: "ready" },
    },
  },
  {
    title: "deploy bad v3 (dies under load)",
    inputs: { version: "v3", "deploy-command": deployCommand, ...TUNING, "mirror-percent": "0" },
    want: {
      code: 1,
      result: "rolled_back",
      active: "blue",
      outputs: { "active-color": "blue", version: "v3", standby: "ready" },
    },
  },
];

/**
 * An action's log line as a runner's log view shows it: workflow commands (`::error::…`, percent-escaped)
 * as plain text; debug, grouping and `add-mask` (it names the secret) left out.
 */
function readable(line: string): string | null {
  const cmd = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
  if (!cmd) return line || null;
  const [, name = "", text = ""] = cmd;
  if (!["error", "warning", "notice"].includes(name)) return null;
  return `${name}: ${text.replace(/%0D/g, "").replace(/%0A/g, "\n").replace(/%25/g, "%")}`;
}

/** How many steps the scenario has (`npm start` numbers them in its progress). */
export const SCENARIO_STEPS = steps("").length;

/**
 * Runs each step through `node dist/index.js`, as a GitHub runner would; `log` sees the action's output,
 * `begin` each step's title as it starts.
 */
export async function runScenario(
  stack: Stack,
  deployer: Deployer,
  files: ActionFiles,
  log: (line: string) => void,
  begin: (title: string) => void = (title) => log(`▶ ${title}`),
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps(deployer.command)) {
    begin(step.title);
    const started = performance.now();
    const run = await runDist(
      files,
      { "worker-url": stack.worker.url, token: stack.token, "github-token": "", ...step.inputs },
      (line) => {
        const shown = readable(line);
        if (shown !== null) log(`  │ ${shown}`);
      },
    );
    const state = await stack.control.state();
    const result = run.outputs.result ?? "";
    const r: StepResult = {
      title: step.title,
      code: run.code,
      result,
      active: state.active,
      want: step.want,
      seconds: (performance.now() - started) / 1000,
      reason: step.inputs.command === "rollback" ? null : (state.deployment?.reason ?? null),
      standby: run.outputs.standby ?? "",
      ok:
        run.code === step.want.code &&
        result === step.want.result &&
        state.active === step.want.active &&
        Object.entries(step.want.outputs).every(([k, v]) => run.outputs[k] === v),
    };
    log(
      `${r.ok ? "✔" : "✘"} ${step.title}: exit ${r.code}, result=${result}, active=${r.active}, standby=${r.standby}` +
        `${r.reason ? ` (${r.reason})` : ""}, ${r.seconds.toFixed(1)} s` +
        (r.ok
          ? ""
          : ` — expected exit ${step.want.code}, result=${step.want.result}, active=${step.want.active}, ` +
            `outputs ${JSON.stringify(step.want.outputs)}; got ${JSON.stringify(run.outputs)}`),
    );
    const d = state.deployment;
    if (step.inputs.command !== "rollback" && d?.summary) {
      const m = d.mirror;
      const { samples, errors, p95Ms } = d.summary;
      const within = p95Ms !== null && p95Ms <= d.thresholds.maxP95Ms && errors === 0 ? "within" : "beyond";
      log(
        `  probes alone: ${samples} samples, ${errors} failed, p95 ${p95Ms} ms (${within} maxP95Ms ${d.thresholds.maxP95Ms})`,
      );
      if (m) log(`  mirrored ${m.percent} % of live ingest: ${m.status}; ${m.detail}`);
    }
    results.push(r);
  }
  return results;
}

/** Three NDJSON shippers (100 entries/s each, batches of 10) and one OpenTelemetry SDK producer (50/s). */
export function startProducers(url: string, tag: string): Producer[] {
  const producers: Producer[] = [
    ...[1, 2, 3].map(
      (n) => new HttpShipper({ url, producer: `${tag}-shipper-${n}`, entriesPerSecond: 100, batchSize: 10 }),
    ),
    new OtelProducer({ url, producer: `${tag}-otel`, recordsPerSecond: 50 }),
  ];
  for (const p of producers) p.start();
  return producers;
}
