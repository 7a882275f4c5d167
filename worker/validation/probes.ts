import { type Probe, quantile, type Thresholds } from "../../shared/index";
import { batchId, type CanaryTarget, canaryBody } from "./canary";

export interface ProbeTarget {
  origin: string;
  healthPath: string;
  /** the CANARY list: one batch each per round. */
  canary: CanaryTarget[];
  /** ORIGIN_TIMEOUT_MS: a color slower than the router's per-attempt timeout is of no use to the router either. */
  timeoutMs: number;
}

export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  detail: string;
}

export interface HealthResult extends ProbeResult {
  version: string | null;
  /** the configuration identity the answer reported (`configHash`), null when none. */
  configHash: string | null;
  /** the node that answered (`node`), null when the platform names none. */
  node: string | null;
  /** whether it declared `"idempotency": "key"`: it drops a batch whose idempotency-key it has already stored. */
  dropsDuplicates: boolean;
}

async function timed(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ res: Response | null; ms: number; error: string }> {
  const started = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { res, ms: Date.now() - started, error: "" };
  } catch (e) {
    return { res: null, ms: Date.now() - started, error: (e as Error).message };
  }
}

const join = (origin: string, path: string) => `${origin.replace(/\/$/, "")}${path}`;

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);

/** GET the health endpoint; ok only for 200 with a JSON `version`, and the expected one if given. */
export async function checkHealth(target: ProbeTarget, expected: string | null): Promise<HealthResult> {
  const { res, ms, error } = await timed(
    join(target.origin, target.healthPath),
    { headers: { accept: "application/json" } },
    target.timeoutMs,
  );
  const none = { version: null, configHash: null, node: null, dropsDuplicates: false };
  if (!res) return { ok: false, ...none, latencyMs: ms, detail: `health unreachable: ${error}` };
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  const said = {
    version: str(body?.version),
    configHash: str(body?.configHash),
    node: str(body?.node),
    dropsDuplicates: body?.idempotency === "key",
  };
  const { version } = said;
  const answer = (ok: boolean, detail: string) => ({ ok, ...said, latencyMs: ms, detail });
  if (res.status !== 200) return answer(false, `health returned ${res.status}`);
  if (version === null) return answer(false, "health JSON has no version");
  if (expected !== null && version !== expected) {
    return answer(false, `version mismatch: expected ${expected}, got ${version}`);
  }
  const config = said.configHash === null ? "" : `, config ${said.configHash}`;
  return answer(true, `200, version ${version}${config}${said.node === null ? "" : ` (node ${said.node})`}`);
}

/** POSTs one small batch in the canary's format to its path; the platform must accept it (2xx). */
export async function sendCanary(
  target: ProbeTarget,
  canary: CanaryTarget,
  deploymentId: string,
  seq: number,
): Promise<ProbeResult> {
  const id = batchId(deploymentId, seq, canary);
  const { contentType, body } = canaryBody(canary.format, { deploymentId, seq, canaryId: id });
  const { res, ms, error } = await timed(
    join(target.origin, canary.path),
    {
      method: "POST",
      // The batch's own id is its key: the platform must not take the round's other formats for retries of it.
      headers: { "content-type": contentType, "idempotency-key": id },
      body,
    },
    target.timeoutMs,
  );
  await res?.body?.cancel();
  if (!res) return { ok: false, latencyMs: ms, detail: `canary unreachable: ${error}` };
  const ok = res.status >= 200 && res.status < 300;
  return { ok, latencyMs: ms, detail: `canary ${ok ? "accepted" : "rejected"}: ${res.status}` };
}

/** Failures of one probe check (health, or the canary on one path and format) in one phase. */
export interface CheckTally {
  check: "health" | "canary" | "readback";
  n: number;
  errors: number;
  /** detail of the last failure, for the reason. */
  last: string | null;
}

/** Running totals of one validation phase. */
export interface Samples {
  latencies: number[];
  errors: number;
  /** per probe (e.g. `health`, `canary /v1/logs otlp-proto`); absent in state written by older versions. */
  checks?: Record<string, CheckTally>;
}

export const emptySamples = (): Samples => ({ latencies: [], errors: 0, checks: {} });

/**
 * Probe latencies a phase keeps for its p95: the latest ones. The samples are persisted with the state on
 * every round, and a long watch with short intervals would otherwise grow them without end (a day at
 * 50 ms). No fewer than `minSamples` can ask for.
 */
export const LATENCIES_KEPT = 10_000;

/**
 * Adds one probe's outcome under `name`; its latency joins the p95 unless `timed` is false (a readback's
 * latency is the platform's indexing delay, bounded by `readbackTimeoutMs` instead).
 */
export function tally(
  samples: Samples,
  name: string,
  check: CheckTally["check"],
  r: { ok: boolean; latencyMs: number; detail: string },
  timed = true,
): void {
  if (timed) {
    samples.latencies.push(r.latencyMs);
    if (samples.latencies.length > LATENCIES_KEPT)
      samples.latencies.splice(0, samples.latencies.length - LATENCIES_KEPT);
  }
  samples.errors += Number(!r.ok);
  const checks = samples.checks ?? {};
  const t = checks[name] ?? { check, n: 0, errors: 0, last: null };
  checks[name] = t;
  samples.checks = checks;
  t.n++;
  if (!r.ok) {
    t.errors++;
    t.last = r.detail;
  }
}

export type Verdict = { kind: "pass" } | { kind: "continue" } | { kind: "fail"; check: Probe["check"]; reason: string };

/**
 * Judges the probe samples so far, each probe on its own so the reason names the one that failed.
 * Fails as soon as a probe's error budget for `minSamples` is spent, so a broken release is stopped
 * without waiting for the whole sample.
 */
export function judge(samples: Samples, t: Thresholds): Verdict {
  for (const [name, c] of Object.entries(samples.checks ?? {})) {
    const budget = Math.floor(t.maxErrorRate * Math.max(c.n, t.minSamples));
    if (c.errors > budget) {
      // `canary /v1/logs otlp-proto` fails the canary check on "/v1/logs otlp-proto".
      const what = name === c.check ? "" : `${name.slice(c.check.length).trim()}: `;
      const rate = `${((c.errors / c.n) * 100).toFixed(1)}% over ${(t.maxErrorRate * 100).toFixed(1)}%`;
      const reason = `${what}${c.errors} of ${c.n} failed (${rate}), last: ${c.last}`;
      return { kind: "fail", check: c.check, reason };
    }
  }
  if (samples.latencies.length < t.minSamples) return { kind: "continue" };
  const p95 = quantile(samples.latencies, 0.95) ?? 0;
  if (p95 > t.maxP95Ms) {
    return { kind: "fail", check: "latency", reason: `p95 latency ${p95} ms over ${t.maxP95Ms} ms` };
  }
  return { kind: "pass" };
}
