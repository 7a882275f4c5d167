// The platform contract zero loss rests on, checked against one origin with canary records only.
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { CANARY_SOURCE, type CanaryTarget, canaryBody, canaryName } from "../worker/validation/canary";
import { canaryId, readBack, readCopies } from "../worker/validation/readback";

/** `MAX_BODY_BYTES`' default (20 MiB): the body sent is just under it. */
const MAX_BODY_BYTES = 20 * 1024 * 1024;
const LARGE_BODY_BYTES = MAX_BODY_BYTES - 64 * 1024;
/** Padding per record of the large body: a few hundred records rather than one huge line or 100,000 small ones. */
const PADDING_BYTES = 64 * 1024;

export type Verdict = "pass" | "fail" | "not proven" | "skipped";

export interface CheckResult {
  check: string;
  verdict: Verdict;
  /** a failed required check fails the command. */
  required: boolean;
  figure: string;
  /** what to change on the platform (shown unless it passed). */
  fix: string;
}

export interface OriginOptions {
  origin: string;
  healthPath: string;
  readbackPath?: string;
  drainPath?: string;
  canary: CanaryTarget[];
  timeoutMs: number;
}

interface Sent {
  status: number | null;
  ms: number;
  error?: string;
}

const run = `check-origin-${randomUUID().slice(0, 8)}`;
let seq = 0;
/** A fresh canary id: the batch's idempotency key and what a readback looks for. */
const nextId = () => canaryId(run, ++seq);

/** Why a fetch got no answer: the network's reason (ECONNREFUSED, …) rather than "fetch failed". */
const cause = (e: unknown) => {
  const err = e as Error & { cause?: { message?: string } };
  return err.cause?.message ?? err.message;
};

async function send(o: OriginOptions, path: string, init: RequestInit): Promise<Sent> {
  const started = Date.now();
  try {
    const res = await fetch(`${o.origin}${path}`, { ...init, signal: AbortSignal.timeout(o.timeoutMs) });
    await res.arrayBuffer();
    return { status: res.status, ms: Date.now() - started };
  } catch (e) {
    return { status: null, ms: Date.now() - started, error: cause(e) };
  }
}

const ok = (s: Sent) => s.status !== null && s.status >= 200 && s.status < 300;
const said = (s: Sent) => (s.status === null ? `no answer (${s.error})` : `${s.status} in ${s.ms} ms`);

/** Posts one canary batch under `id` (also its idempotency key). */
function post(o: OriginOptions, target: CanaryTarget, id: string, extra?: { gzip?: boolean }): Promise<Sent> {
  const { contentType, body } = canaryBody(target.format, { deploymentId: run, seq, canaryId: id });
  const raw = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
  return send(o, target.path, {
    method: "POST",
    headers: {
      "content-type": contentType,
      "idempotency-key": id,
      ...(extra?.gzip ? { "content-encoding": "gzip" } : {}),
    },
    body: extra?.gzip ? gzipSync(raw) : raw,
  });
}

/** NDJSON canary records padded to just under 20 MiB in all. */
function largeBody(id: string): string {
  const { body } = canaryBody("ndjson", { deploymentId: run, seq, canaryId: id });
  const record = JSON.parse(String(body)) as Record<string, unknown>;
  const line = `${JSON.stringify({ ...record, padding: "x".repeat(PADDING_BYTES) })}\n`;
  return line.repeat(Math.floor(LARGE_BODY_BYTES / line.length));
}

async function health(o: OriginOptions): Promise<CheckResult[]> {
  const started = Date.now();
  let json: Record<string, unknown> = {};
  let problem = "";
  try {
    const res = await fetch(`${o.origin}${o.healthPath}`, { signal: AbortSignal.timeout(o.timeoutMs) });
    const parsed: unknown = await res.json().catch(() => null);
    if (parsed && typeof parsed === "object") json = parsed as Record<string, unknown>;
    if (res.status !== 200) problem = `${res.status}`;
    else if (typeof json.version !== "string") problem = "200 without a version";
  } catch (e) {
    problem = `no answer (${cause(e)})`;
  }
  const ms = Date.now() - started;
  return [
    {
      check: `health ${o.healthPath}`,
      verdict: problem ? "fail" : "pass",
      required: true,
      figure: problem || `version ${json.version} in ${ms} ms`,
      fix: `answer GET ${o.healthPath} with 200 and JSON {"version": "<release>"}`,
    },
    {
      check: "health configHash",
      verdict: typeof json.configHash === "string" ? "pass" : "skipped",
      required: false,
      figure: typeof json.configHash === "string" ? json.configHash : "not reported",
      fix: "optional: report the configuration's identity as configHash, so a mixed rollout fails validation",
    },
    {
      check: "health declares idempotency",
      verdict: json.idempotency === "key" ? "pass" : "fail",
      required: true,
      figure:
        json.idempotency === undefined ? "no idempotency field" : `idempotency ${JSON.stringify(json.idempotency)}`,
      fix: 'once the platform drops a batch whose idempotency-key it has stored, say so: "idempotency": "key"',
    },
  ];
}

async function ingest(o: OriginOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const target of o.canary) {
    const s = await post(o, target, nextId());
    results.push({
      check: `ingest ${canaryName(target)}`,
      verdict: ok(s) ? "pass" : "fail",
      required: true,
      figure: said(s),
      fix: `accept ${target.format} batches on POST ${target.path} with a 2xx`,
    });
  }
  const ndjson = o.canary.find((t) => t.format === "ndjson") ?? o.canary[0];
  if (!ndjson) return results;
  const gz = await post(o, ndjson, nextId(), { gzip: true });
  results.push({
    check: `gzip body ${canaryName(ndjson)}`,
    verdict: ok(gz) ? "pass" : "fail",
    required: true,
    figure: said(gz),
    fix: "accept Content-Encoding: gzip (every OTLP exporter and most shippers compress)",
  });
  return results;
}

async function large(o: OriginOptions): Promise<CheckResult> {
  const target = o.canary.find((t) => t.format === "ndjson");
  const check = "body just under 20 MiB";
  if (!target) {
    return { check, verdict: "skipped", required: false, figure: "no ndjson canary path", fix: "" };
  }
  const id = nextId();
  const body = largeBody(id);
  const s = await send(o, target.path, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", "idempotency-key": id },
    body,
  });
  return {
    check,
    verdict: ok(s) ? "pass" : "fail",
    required: true,
    figure: `${(body.length / 1024 / 1024).toFixed(2)} MiB: ${said(s)}`,
    fix: "accept bodies up to 20 MiB (the Worker's MAX_BODY_BYTES, the OTLP recommendation)",
  };
}

/** The same batch twice under one idempotency-key must be stored once: read back, it holds one copy. */
async function idempotency(o: OriginOptions): Promise<CheckResult[]> {
  const target = o.canary.find((t) => t.format === "ndjson") ?? o.canary[0];
  if (!target) return [];
  const check = "idempotency-key: a batch sent twice is stored once";
  const fix = "store a batch once per idempotency-key: drop (and acknowledge) a batch whose key is stored";
  const id = nextId();
  const first = await post(o, target, id);
  const second = await post(o, target, id);
  if (!ok(first) || !ok(second)) {
    return [{ check, verdict: "fail", required: true, figure: `${said(first)}, then ${said(second)}`, fix }];
  }
  if (!o.readbackPath) {
    const figure = "both accepted; pass --readback-path to read it back";
    return [{ check, verdict: "not proven", required: true, figure, fix: "" }];
  }
  const found = await readBack(o.origin, o.readbackPath, id, o.timeoutMs);
  const readback: CheckResult = {
    check: `readback ${o.readbackPath}`,
    verdict: found.ok ? "pass" : "fail",
    required: true,
    figure: found.detail,
    fix: `answer GET ${o.readbackPath} with the stored records (JSON or NDJSON) carrying canaryId`,
  };
  const copies = found.ok ? await readCopies(o.origin, o.readbackPath, id) : null;
  const figure = copies === null ? "could not read it back" : `read back ${copies} ${copies === 1 ? "copy" : "copies"}`;
  return [readback, { check, verdict: copies === 1 ? "pass" : "fail", required: true, figure, fix }];
}

async function drain(o: OriginOptions): Promise<CheckResult> {
  const check = "in-flight report (drain)";
  const fix = `answer GET ${o.drainPath} with 200 and JSON {"inflight": <batches acknowledged and not yet stored>}`;
  if (!o.drainPath) return { check, verdict: "skipped", required: false, figure: "no --drain-path", fix: "" };
  const started = Date.now();
  try {
    const res = await fetch(`${o.origin}${o.drainPath}`, { signal: AbortSignal.timeout(o.timeoutMs) });
    const json = (await res.json().catch(() => null)) as { inflight?: unknown } | null;
    const good = res.status === 200 && typeof json?.inflight === "number";
    const figure = good ? `inflight ${json?.inflight} in ${Date.now() - started} ms` : `${res.status} without inflight`;
    return { check, verdict: good ? "pass" : "fail", required: true, figure, fix };
  } catch (e) {
    return { check, verdict: "fail", required: true, figure: `no answer (${cause(e)})`, fix };
  }
}

/** Every check, in order. Every record written is a canary (`source` is CANARY_SOURCE), so a platform can filter them. */
export const MARK = CANARY_SOURCE;

export async function checkOrigin(o: OriginOptions): Promise<CheckResult[]> {
  const first = await health(o);
  // No answer at all: every other check would say the same.
  if (first[0]?.figure.startsWith("no answer")) return first.slice(0, 1);
  return [...first, ...(await ingest(o)), await large(o), ...(await idempotency(o)), await drain(o)];
}
