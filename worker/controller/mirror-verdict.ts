import {
  DEFAULT_MIRROR_PERCENT,
  DEFAULT_THRESHOLDS,
  type Deployment,
  emptyHistogram,
  type Flag,
  histogramQuantile,
  type MirrorCounters,
  type MirrorReport,
  type ProbeCheck,
  type Thresholds,
} from "../../shared";
import { COUNTS_MS } from "../tier/link";
import { conclude } from "./evidence";

/** Statuses in which the candidate gets copies of live traffic (docs/deployments.md, "Mirroring"). */
export const MIRRORED_STATUSES: readonly Deployment["status"][] = ["validating", "awaiting_promotion"];

/** The record a new deployment starts with. */
export function newMirrorReport(percent = DEFAULT_MIRROR_PERCENT): MirrorReport {
  return {
    percent,
    fromEpoch: null,
    status: percent > 0 ? "collecting" : "off",
    requests: 0,
    accepted: 0,
    errors5xx: 0,
    timeouts: 0,
    skipped: 0,
    latency: emptyHistogram(),
    p95Ms: null,
    acceptRate: null,
    detail: percent > 0 ? `mirroring ${percent}% of live ingest` : "mirroring off (mirrorPercent 0)",
  };
}

/**
 * No copies to a color that did not declare `"idempotency": "key"`: a platform that stores what it accepts
 * would keep a mirrored copy beside the original. Validation goes on without copies.
 */
export function declineMirror(m: MirrorReport, color: string): void {
  m.status = "unsupported";
  m.detail = `no copies: ${color} does not declare "idempotency": "key" in its health JSON, so a copy could be stored twice; validated by the probes alone`;
}

/** The flag's `mirror` for the running deployment: copies only while it validates or awaits promotion. */
export function mirrorOf(d: Deployment | null): Flag["mirror"] {
  const m = d?.mirror;
  if (!d || !m || m.percent <= 0 || m.status === "unsupported" || !MIRRORED_STATUSES.includes(d.status)) {
    return undefined;
  }
  return { color: d.color, percent: m.percent };
}

/** Adds one router flush's mirrored block to the deployment's figures. */
export function addMirrored(m: MirrorReport, c: MirrorCounters | undefined): void {
  if (!c) return;
  m.requests += c.requests;
  m.accepted += c.accepted;
  m.errors5xx += c.errors5xx;
  m.timeouts += c.timeouts;
  m.skipped += c.skipped;
  c.latency.forEach((n, i) => {
    m.latency[i] = (m.latency[i] ?? 0) + n;
  });
  m.p95Ms = histogramQuantile(m.latency, 0.95);
  const meant = m.requests + m.skipped;
  m.acceptRate = meant > 0 ? m.accepted / meant : null;
}

export type MirrorVerdict =
  | { kind: "fail"; check: ProbeCheck; reason: string }
  | { kind: "pass" | "collecting"; detail: string };

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The figures in one line, as the record, the dashboard and the job summary show them. */
export const mirrorFigures = (m: MirrorReport): string =>
  `${m.requests} mirrored (${m.skipped} skipped at the bound), accepted ${m.acceptRate === null ? "n/a" : pct(m.acceptRate)}, ` +
  `5xx ${m.errors5xx} (${m.timeouts} timeouts), p95 ≤ ${m.p95Ms ?? "n/a"} ms`;

/**
 * The candidate judged on mirrored live traffic (docs/deployments.md, "Mirroring"). Conclusive errors fail at once
 * (the evidence rule of the watch: `minFailures`); latency and throughput need `minMirrorRequests`:
 * p95 ≤ maxP95Ms, and the copies accepted (2xx) ≥ minMirrorAcceptRate of the copies the routers meant to
 * send (sent + skipped because the isolate's copies in flight were at their bound).
 */
export function judgeMirror(m: MirrorReport, thresholds: Thresholds): MirrorVerdict {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const rule = { maxErrorRate: t.maxErrorRate, minFailures: t.minFailures, minRouterRequests: t.minMirrorRequests };
  const figures = mirrorFigures(m);
  if (conclude(m.errors5xx, m.requests, rule) === "fail") {
    const rate = pct(m.requests ? m.errors5xx / m.requests : 0);
    const reason = `mirrored 5xx ${rate} over ${pct(t.maxErrorRate)}: ${figures}`;
    return { kind: "fail", check: "mirror_errors", reason };
  }
  if (m.requests >= t.minMirrorRequests && (m.p95Ms ?? 0) > t.maxP95Ms) {
    return { kind: "fail", check: "mirror_latency", reason: `mirrored p95 over ${t.maxP95Ms} ms: ${figures}` };
  }
  const meant = m.requests + m.skipped;
  if (meant >= t.minMirrorRequests && (m.acceptRate ?? 1) < t.minMirrorAcceptRate) {
    const reason = `mirrored accept rate under ${pct(t.minMirrorAcceptRate)} of copies sent: ${figures}`;
    return { kind: "fail", check: "mirror_throughput", reason };
  }
  if (m.requests >= t.minMirrorRequests) return { kind: "pass", detail: figures };
  return { kind: "collecting", detail: `${figures}; ${t.minMirrorRequests} needed` };
}

/**
 * A deployment this old with no live traffic reported has none. Routers hand their counts to their
 * location's tier every COUNTS_MS, and a tier holding counts passes them on with a call in a later second,
 * at the latest the isolate's next one, COUNTS_MS on: two of them. (It was 2 s, from before the tier: a
 * validation whose probes passed within 2 s then found no live counts yet and passed by the probes alone,
 * and the zero-loss scenario's release that fails only on mirrored load went live.)
 */
export const NO_TRAFFIC_AFTER_MS = 2 * COUNTS_MS;

/**
 * After the probes passed: whether validation may pass now by the mirror's word, and the mirror's status
 * settled. Waits for `minMirrorRequests` up to `mirrorWaitSeconds`; with no live traffic at all (no router
 * reported a request on the active color since the mirror began, NO_TRAFFIC_AFTER_MS into the deployment)
 * or too few copies by then, it says so (`no-traffic`) and leaves the verdict to the probes.
 */
export function mirrorAllows(d: Deployment, v: MirrorVerdict | null, now: number): boolean {
  const m = d.mirror;
  if (m?.status !== "collecting" || !v || v.kind === "fail") return true;
  const t = { ...DEFAULT_THRESHOLDS, ...d.thresholds };
  m.probesPassedAt ??= new Date(now).toISOString();
  if (v.kind === "pass") {
    m.status = "passed";
    m.detail = `passed on mirrored live traffic: ${v.detail}`;
    return true;
  }
  const waited = now - Date.parse(m.probesPassedAt);
  const live = (m.live ?? 0) > 0 || now - Date.parse(d.createdAt) < NO_TRAFFIC_AFTER_MS;
  if (live && waited < t.mirrorWaitSeconds * 1000) {
    m.detail = `probes passed; waiting up to ${t.mirrorWaitSeconds}s (mirrorWaitSeconds) for ${v.detail}`;
    return false;
  }
  m.status = "no-traffic";
  const why = live ? `after waiting ${t.mirrorWaitSeconds}s (mirrorWaitSeconds)` : "no live router traffic";
  m.detail = `validated by the probes alone, ${why}: ${v.detail}`;
  return true;
}
