import { controller } from "../controller/stub";
import { config, type Env } from "../env";
import { isolate } from "../router/isolate";
import { backoffSeconds, type Delivery, deliver } from "./deliver";
import type { SpoolMessage } from "./message";
import type { SpoolReport } from "./report";

/**
 * The Queue consumer (the Worker's `queue` handler). Spool batches go to the color active now, at most
 * SPOOL_DELIVERY_CONCURRENCY at a time; each message is acked once delivered (its R2 object deleted) or
 * retried with a growing delay. After the queue's max_retries the message lands in the dead-letter queue,
 * whose batches come here too and are recorded in the controller (state, replay) before they are acked.
 */
export async function consumeSpool(batch: MessageBatch<SpoolMessage>, env: Env): Promise<void> {
  if (batch.queue === config(env).spoolDeadLetterQueue) return recordDeadLetters(batch, env);
  return deliverBatch(batch, env);
}

async function deliverBatch(batch: MessageBatch<SpoolMessage>, env: Env): Promise<void> {
  const cfg = config(env);
  const bucket = env.SPOOL_BUCKET;
  if (!bucket) return batch.retryAll({ delaySeconds: cfg.spoolRetryMaxSeconds });
  const flag = await isolate.flag(env, cfg.flagCacheMs);
  const to = { origin: cfg.origins[flag.color], timeoutMs: cfg.originTimeoutMs };
  const outcomes = new Map<Message<SpoolMessage>, Delivery>();
  // 429 from the platform: nothing more is sent from this batch; the rest waits as long as it asked.
  let slowDown: number | null = null;
  // A batch spooled twice (a shipper's retry) is sent once: its other messages share the first one's outcome.
  const firstOfKey = new Map<string, Message<SpoolMessage>>();
  const twins: Message<SpoolMessage>[] = [];
  for (const m of batch.messages) {
    if (firstOfKey.has(m.body.key)) twins.push(m);
    else firstOfKey.set(m.body.key, m);
  }
  const queue = [...firstOfKey.values()];
  const worker = async () => {
    for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
      if (slowDown !== null) {
        outcomes.set(m, { kind: "backpressure", after: slowDown });
        continue;
      }
      const o = await deliver(bucket, m.body, to).catch((e): Delivery => ({ kind: "retry", reason: String(e) }));
      if (o.kind === "backpressure")
        slowDown = Math.max(slowDown ?? 0, o.after ?? backoffSeconds(m.attempts, cfg.spoolRetryMaxSeconds));
      outcomes.set(m, o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(cfg.spoolDeliveryConcurrency, queue.length) }, worker));
  for (const m of twins) {
    const o = outcomes.get(firstOfKey.get(m.body.key) ?? m);
    outcomes.set(m, o?.kind === "delivered" ? { kind: "gone" } : (o ?? { kind: "retry", reason: "not tried" }));
  }

  const report: SpoolReport = { pending: [], delivered: [], dead: [] };
  const deleted: string[] = [];
  for (const [m, o] of outcomes) {
    if (o.kind === "delivered" || o.kind === "gone") {
      report.delivered.push({ key: m.body.key, counted: o.kind === "delivered" });
      if (o.kind === "delivered") deleted.push(m.body.key);
    } else if (o.kind === "refused") {
      report.dead.push({ message: m.body, reason: `${to.origin}: ${o.reason}` });
    } else {
      report.pending.push({ key: m.body.key, at: m.body.spooledAt });
    }
  }
  // The bodies of delivered batches go first: a failed delete only leaves an object a later message finds and
  // delivers again (the platform drops it by its idempotency-key).
  if (deleted.length) await bucket.delete(deleted).catch((e) => console.error("spool delete failed:", String(e)));
  const recorded = await controller(env)
    .spoolReport(report)
    .then(() => true)
    .catch((e) => {
      console.error("spool report failed:", String(e));
      return false;
    });
  for (const [m, o] of outcomes) {
    if (o.kind === "delivered" || o.kind === "gone") m.ack();
    // A refused batch is acked only once the controller holds it: that record is its dead letter.
    else if (o.kind === "refused") recorded ? m.ack() : m.retry({ delaySeconds: cfg.spoolRetryMaxSeconds });
    else if (o.kind === "backpressure") {
      // Queues takes delays of up to 12 h.
      const wait = o.after ?? backoffSeconds(m.attempts, cfg.spoolRetryMaxSeconds);
      m.retry({ delaySeconds: Math.max(1, Math.ceil(Math.min(wait, 43_200))) });
    } else m.retry({ delaySeconds: backoffSeconds(m.attempts, cfg.spoolRetryMaxSeconds) });
  }
}

/** Batches whose retries were spent: kept in the controller (with their R2 bodies) until replayed. */
async function recordDeadLetters(batch: MessageBatch<SpoolMessage>, env: Env): Promise<void> {
  const report: SpoolReport = {
    pending: [],
    delivered: [],
    dead: batch.messages.map((m) => ({ message: m.body, reason: "not delivered within the queue's max_retries" })),
  };
  try {
    await controller(env).spoolReport(report);
    batch.ackAll();
  } catch (e) {
    console.error("dead letters not recorded:", String(e));
    batch.retryAll({ delaySeconds: config(env).spoolRetryMaxSeconds });
  }
}
