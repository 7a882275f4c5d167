import { parseCanary } from "../worker/validation/canary";
import { integer, parse, UsageError } from "./args";
import type { Io } from "./io";
import { type CheckResult, checkOrigin, MARK, type Verdict } from "./origin-checks";
import type { Paint } from "./terminal";

export const usage = `check-origin URL [--health-path P] [--readback-path T] [--drain-path P] [--canary LIST] [--timeout S]
  Checks the platform contract against one color's origin (run it against both before the first
  deployment): health with version (configHash, "idempotency": "key"); NDJSON, OTLP/JSON and
  OTLP/protobuf ingest; gzip; a body just under 20 MiB; the same batch twice under one idempotency-key
  stored once (proven with --readback-path, e.g. '/search?canary={id}'); the drain path's answer.
  --canary takes the Worker's CANARY syntax (default /ingest:ndjson,/v1/logs:otlp-json,/v1/logs:otlp-proto).
  Writes canary records only. Exit 1 if a required check fails.`;

const PAINT: Record<Verdict, Paint> = { pass: "green", fail: "red", "not proven": "yellow", skipped: "dim" };

/** The table: check, verdict, figure, and what to fix for anything that did not pass. */
function table(io: Io, results: CheckResult[]): string[] {
  const width = Math.max(...results.map((r) => r.check.length));
  return results.map((r) => {
    const verdict = io.out.paint(PAINT[r.verdict], r.verdict.padEnd(10));
    const fix =
      r.verdict === "pass" || r.verdict === "skipped" || !r.fix ? "" : `\n${" ".repeat(width + 14)}fix: ${r.fix}`;
    return `${r.check.padEnd(width)}  ${verdict}  ${r.figure}${fix}`;
  });
}

export async function checkOriginCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      "health-path": { type: "string" },
      "readback-path": { type: "string" },
      "drain-path": { type: "string" },
      canary: { type: "string" },
      timeout: { type: "string" },
      json: { type: "boolean" },
    },
    1,
  );
  const raw = positionals[0];
  if (!raw)
    throw new UsageError("check-origin needs the origin's URL, e.g. check-origin https://blue.logs.example.com");
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    throw new UsageError(`not an http(s) URL: ${raw}`);
  }
  const readbackPath = values["readback-path"];
  if (readbackPath !== undefined && !readbackPath.includes("{id}")) {
    throw new UsageError(`--readback-path needs {id} where the canary id goes, e.g. '/search?canary={id}'`);
  }
  const canary = parseCanary(values.canary);
  if (!canary.length)
    throw new UsageError(`--canary has no path:format entry (formats: ndjson, otlp-json, otlp-proto)`);
  const results = await checkOrigin({
    origin: raw.replace(/\/+$/, ""),
    healthPath: values["health-path"] ?? "/health",
    readbackPath,
    drainPath: values["drain-path"],
    canary,
    timeoutMs: integer("timeout", values.timeout, 30, 1, 600) * 1000,
  });
  const failed = results.filter((r) => r.required && r.verdict === "fail");
  if (values.json) io.out.line(JSON.stringify({ origin: raw, passed: failed.length === 0, checks: results }));
  else {
    io.out.line(io.out.paint("dim", `check-origin ${raw} (canary records, source "${MARK}")`));
    for (const line of table(io, results)) io.out.line(line);
    io.out.line(
      failed.length
        ? io.out.paint("red", `✘ ${failed.length} required check(s) failed: ${failed.map((r) => r.check).join("; ")}`)
        : io.out.paint("green", "✔ the origin keeps the contract"),
    );
  }
  return failed.length ? 1 : 0;
}
