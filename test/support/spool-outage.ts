// `npm start`'s edge-spool step: both colors refuse connections for longer than the OpenTelemetry exporter's
// export deadline (10 s), which no shipper's retry budget outlasts without the spool; then the spool drains.
import { type SpoolFigures, watchSpool } from "./matrix-spool";
import type { Stack } from "./stack";

/** Longer than the OTel exporter's 10 s deadline and Fluent Bit's single retry 5–10 s later. */
export const SPOOL_OUTAGE_MS = 12_000;

export async function spoolOutage(stack: Stack, log: (line: string) => void): Promise<SpoolFigures | null> {
  const watch = await watchSpool(stack);
  const { blue, green } = stack.platforms;
  log(`  both colors refuse connections for ${SPOOL_OUTAGE_MS / 1000} s`);
  await Promise.all([blue.outage(SPOOL_OUTAGE_MS), green.outage(SPOOL_OUTAGE_MS)]);
  watch.recovered();
  log("  both colors back; waiting for the spool to drain");
  const f = await watch.finish();
  log(
    f === null
      ? "✘ no spool: the Worker has no SPOOL and SPOOL_BUCKET bindings"
      : `${f.deadLettered === 0 ? "✔" : "✘"} spool: ${f.spooled} requests answered 202 from the spool, ${f.delivered} batches delivered` +
          `${f.drainedAfterS === null ? "" : ` (empty ${f.drainedAfterS.toFixed(1)} s after the colors came back)`}, ${f.deadLettered} dead-lettered`,
  );
  return f;
}
