import { batchId } from "./canary";
import { type ProbeResult, type ProbeTarget, sendCanary } from "./probes";
import { readBack, readCopies } from "./readback";

/** How long a second copy may take to become readable (an indexing delay) before the proof takes it as dropped. */
export const DUPLICATE_WAIT_MS = 1000;
const LOOK_EVERY_MS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * With READBACK_PATH, for a color that declares `"idempotency": "key"`: the first CANARY batch is sent,
 * read back, sent again under the same key, and must still be readable once. Null when the proof could not
 * be made (a canary refused or unreadable: the canary and readback checks judge those); else its verdict.
 */
export async function proveDropsDuplicates(
  target: ProbeTarget,
  readbackPath: string,
  id: string,
  seq: number,
  readbackMs: number,
): Promise<ProbeResult | null> {
  const canary = target.canary[0];
  if (!canary) return null;
  const started = Date.now();
  const key = batchId(id, seq, canary);
  if (!(await sendCanary(target, canary, id, seq)).ok) return null;
  if (!(await readBack(target.origin, readbackPath, key, readbackMs)).ok) return null;
  const once = await readCopies(target.origin, readbackPath, key);
  if (once === null || !(await sendCanary(target, canary, id, seq)).ok) return null;
  let after = once;
  for (const until = Date.now() + DUPLICATE_WAIT_MS; after <= once && Date.now() < until; ) {
    await sleep(LOOK_EVERY_MS);
    after = (await readCopies(target.origin, readbackPath, key)) ?? after;
  }
  const latencyMs = Date.now() - started;
  if (after > once) {
    const detail = `declares "idempotency": "key", but the same canary batch sent twice under one idempotency-key was readable twice (${after} records, ${once} after the first send)`;
    return { ok: false, latencyMs, detail };
  }
  return {
    ok: true,
    latencyMs,
    detail: `the same canary batch sent twice under one idempotency-key is readable once (${once} records)`,
  };
}
