/** Reads between attempts to find a canary batch again. */
const READ_EVERY_MS = 200;
/** One read may take at most this long (less when the readback's time is nearly up). */
const READ_TIMEOUT_MS = 5000;

export interface ReadbackResult {
  ok: boolean;
  /** from the canary's acceptance to the first read that found it (or to giving up). */
  latencyMs: number;
  detail: string;
}

/** The unique id a round's canary batch carries (also its idempotency key): what the readback looks for. */
export const canaryId = (deploymentId: string, seq: number) => `canary-${deploymentId}-${seq}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many records whose `canaryId` is `id` a JSON value holds, at any depth. */
function copies(value: unknown, id: string, depth = 0): number {
  if (depth > 32 || value === null || typeof value !== "object") return 0;
  if (!Array.isArray(value) && (value as { canaryId?: unknown }).canaryId === id) return 1;
  return Object.values(value).reduce<number>((n, v) => n + copies(v, id, depth + 1), 0);
}

const readbackUrl = (origin: string, template: string, id: string) =>
  `${origin.replace(/\/$/, "")}${template.replaceAll("{id}", encodeURIComponent(id))}`;

/** One read of the canary batch `id`: how many of its records the platform returns (null when the read failed). */
export async function readCopies(origin: string, template: string, id: string): Promise<number | null> {
  try {
    const res = await fetch(readbackUrl(origin, template, id), {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(READ_TIMEOUT_MS),
    });
    const text = await res.text();
    return res.ok ? copies(parse(text), id) : null;
  } catch {
    return null;
  }
}

/** A search answer, as JSON or NDJSON; null when it is neither. */
function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as unknown);
    } catch {
      return null;
    }
  }
}

/**
 * Reads the canary batch `id` back through the platform's own query path (`template` with `{id}`, e.g.
 * `/search?canary={id}`) until a 2xx JSON (or NDJSON) answer holds the stored record, i.e. an object whose
 * `canaryId` is the id, or `timeoutMs` has passed. (Not merely the id: many searches echo the query.)
 * An accepted batch that never shows up was acknowledged and lost: the worst release a log platform can get.
 */
export async function readBack(
  origin: string,
  template: string,
  id: string,
  timeoutMs: number,
  acceptedAt = Date.now(),
): Promise<ReadbackResult> {
  if (!template.includes("{id}")) {
    return { ok: false, latencyMs: 0, detail: `READBACK_PATH ${template} has no {id} to put the canary id in` };
  }
  const url = readbackUrl(origin, template, id);
  const deadline = acceptedAt + timeoutMs;
  let reads = 0;
  // The last answer says more than a last read cut short by the deadline.
  let answer: string | null = null;
  let error = "no read";
  for (;;) {
    reads++;
    try {
      const res = await fetch(url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(Math.max(1, Math.min(READ_TIMEOUT_MS, deadline - Date.now()))),
      });
      const text = await res.text();
      const ms = Date.now() - acceptedAt;
      if (res.ok && copies(parse(text), id) > 0) {
        return { ok: true, latencyMs: ms, detail: `canary read back after ${ms} ms (${reads} reads)` };
      }
      answer = res.ok ? `${res.status} without it` : `${res.status}`;
    } catch (e) {
      error = `unreachable: ${(e as Error).message}`;
    }
    if (Date.now() + READ_EVERY_MS >= deadline) break;
    await sleep(READ_EVERY_MS);
  }
  return {
    ok: false,
    latencyMs: Date.now() - acceptedAt,
    detail: `canary ${id} was accepted but not readable within ${timeoutMs} ms (${reads} reads, ${answer ? `last answer: ${answer}` : error})`,
  };
}
