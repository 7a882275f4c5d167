// `npm start`: the whole system on this machine — the Worker under wrangler dev (local KV and Durable
// Object), blue and green origins of the stand-in log platform, log producers — and the scripted scenario
// run through the real bundled action. Then it stays up for the dashboard until Ctrl-C;
// `npm start -- --once` exits after the summary (non-zero when a step or the zero-loss audit failed).
import { parseArgs } from "node:util";
import { actionFiles } from "../test/support/action-env";
import { clean, producerReports } from "../test/support/audit";
import { startDeployer } from "../test/support/deployer";
import type { SpoolFigures } from "../test/support/matrix-spool";
import { freePort } from "../test/support/ports";
import { runScenario, SCENARIO_FAULTS, SCENARIO_STEPS, SCENARIO_VARS, startProducers } from "../test/support/scenario";
import { SPOOL_OUTAGE_MS, spoolOutage } from "../test/support/spool-outage";
import { startStack } from "../test/support/stack";
import { Progress } from "./progress";

const { values } = parseArgs({ options: { once: { type: "boolean", default: false } } });
const say = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Start the stack, start the producers, the scenario's steps, the final count.
const progress = new Progress(2 + SCENARIO_STEPS + 2, say);

progress.step("Starting the Worker (wrangler dev, local KV + Durable Object) and the blue/green origins…");
// DRAIN_SECONDS 5 instead of 60: the scenario's third step reuses the color the second one left.
const stack = await startStack({ port: await freePort(8787), drainSeconds: 5, vars: SCENARIO_VARS });
const deployer = await startDeployer(stack, SCENARIO_FAULTS);
const files = await actionFiles();
say(`Worker      ${stack.worker.url}  (log producers send here: POST /ingest, POST /v1/logs)`);
say(`Dashboard   ${stack.worker.url}/dashboard`);
say(`Token       ${stack.token}  (sign in to the dashboard and call the control API with it; generated for this run)`);
say(`Origins     blue ${stack.platforms.blue.url}, green ${stack.platforms.green.url}; both start on v1`);

progress.step("Starting the log producers");
const producers = startProducers(stack.worker.url, "start");
say("Producers   3 NDJSON shippers (100 entries/s each) + 1 OpenTelemetry OTLP/HTTP exporter (50 records/s)\n");
await sleep(2000);

let results: Awaited<ReturnType<typeof runScenario>> = [];
/** the spool step's figures (undefined until it ran). */
let spool: SpoolFigures | null | undefined;
// A scenario that cannot go on still ends with the count and a clean shutdown (wrangler runs detached).
let broken: string | null = null;
try {
  results = await runScenario(stack, deployer, files, say, (title) => progress.step(`▶ ${title}`));
  progress.step("▶ both colors down longer than the OTel exporter's deadline: the edge spool");
  spool = await spoolOutage(stack, say);
} catch (e) {
  broken = (e as Error).message;
  say(`✘ the scenario stopped: ${broken}`);
}
// The routers' flag cache and the producers' retries settle before the count.
await sleep(2000);

async function finish(): Promise<never> {
  progress.step("Stopping the producers and counting every entry against the store");
  const stats = await Promise.all(producers.map((p) => p.stop()));
  const reports = producerReports(stack.store, stats);
  say("\nSteps");
  for (const r of results)
    say(
      `  ${r.ok ? "ok  " : "FAIL"} ${r.title.padEnd(32)} exit=${r.code} result=${r.result} active=${r.active} standby=${r.standby}`,
    );
  const spoolOk = !!spool && spool.spooled > 0 && spool.deadLettered === 0;
  say(
    `  ${spoolOk ? "ok  " : "FAIL"} ${`both colors down ${SPOOL_OUTAGE_MS / 1000} s`.padEnd(32)} ` +
      (spool ? `spooled=${spool.spooled} delivered=${spool.delivered} deadLettered=${spool.deadLettered}` : "no spool"),
  );
  say("\nEntries (producer sequence numbers against the shared store)");
  for (const r of reports) {
    say(
      `  ${r.producer.padEnd(18)} sent=${r.sent} acked=${r.acked} stored=${r.stored} lost=${r.lost} ` +
        `duplicates=${r.duplicates} 5xx=${r["5xx"]} errors=${JSON.stringify(r.errors)}` +
        (r.servedBy === "n/a" ? "" : ` servedBy=${JSON.stringify(r.servedBy)} failovers=${r.failovers}`),
    );
  }
  const sum = (k: "sent" | "stored" | "lost" | "duplicates" | "5xx") => reports.reduce((n, r) => n + r[k], 0);
  say(
    `  total              sent=${sum("sent")} stored=${sum("stored")} lost=${sum("lost")} ` +
      `duplicates=${sum("duplicates")} 5xx=${sum("5xx")}`,
  );
  const ok = broken === null && results.every((r) => r.ok) && spoolOk && reports.every(clean);
  say(ok ? "\nScenario passed: every step as expected, nothing lost." : "\nScenario FAILED (see above).");
  await deployer.close();
  await stack.stop();
  await files.cleanup();
  process.exit(ok ? 0 : 1);
}

if (values.once || broken) await finish();
say(`\nScenario done; the stack stays up with the producers running. Dashboard: ${stack.worker.url}/dashboard`);
say("Ctrl-C stops the producers, prints the final count and shuts everything down.");
let stopping = false;
const onSignal = () => {
  if (stopping) return;
  stopping = true;
  void finish();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
