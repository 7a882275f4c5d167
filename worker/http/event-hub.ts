import { errorBody } from "./errors";

const encoder = new TextEncoder();
const HEARTBEAT_MS = 15_000;
/** Live subscribers at once (dashboards, actions following a deployment); more get 503 and poll or retry. */
export const MAX_SUBSCRIBERS = 32;
/**
 * Unsent bytes a subscriber may fall behind by (a few whole states). A client that stops reading is
 * dropped past it, instead of every later event piling up in the object's memory; it reconnects and
 * gets the whole state again. Together: at most 32 MiB held for subscribers.
 */
export const MAX_BACKLOG_BYTES = 1024 * 1024;
const RETRY_AFTER_SECONDS = 5;

/** Server-sent-event fan-out for the Durable Object's live subscribers (dashboard, action); bounded. */
export class EventHub {
  private writers = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;

  get size(): number {
    return this.writers.size;
  }

  /** A new stream that first receives `initial`, then every broadcast; 503 when MAX_SUBSCRIBERS are on. */
  subscribe(initial: { event: string; data: unknown }): Response {
    if (this.writers.size >= MAX_SUBSCRIBERS) {
      const message = `${MAX_SUBSCRIBERS} live subscribers already; retry later or poll GET /api/state`;
      return Response.json(errorBody("too_many_subscribers", message), {
        status: 503,
        headers: { "retry-after": String(RETRY_AFTER_SECONDS) },
      });
    }
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(
      undefined,
      new ByteLengthQueuingStrategy({ highWaterMark: MAX_BACKLOG_BYTES }),
    );
    const writer = writable.getWriter();
    this.writers.add(writer);
    this.send(writer, initial.event, initial.data);
    this.heartbeat ??= setInterval(() => this.comment("keep-alive"), HEARTBEAT_MS);
    return new Response(readable, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  }

  broadcast(event: string, data: unknown): void {
    for (const w of this.writers) this.send(w, event, data);
  }

  private comment(text: string): void {
    for (const w of this.writers) this.write(w, `: ${text}\n\n`);
  }

  private send(writer: WritableStreamDefaultWriter<Uint8Array>, event: string, data: unknown): void {
    this.write(writer, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(writer: WritableStreamDefaultWriter<Uint8Array>, text: string): void {
    const bytes = encoder.encode(text);
    // desiredSize: the backlog bound minus the bytes this subscriber has not taken yet.
    if ((writer.desiredSize ?? 0) < bytes.byteLength) this.drop(writer);
    else writer.write(bytes).catch(() => this.drop(writer));
  }

  private drop(writer: WritableStreamDefaultWriter<Uint8Array>): void {
    this.writers.delete(writer);
    writer.abort().catch(() => undefined);
    if (this.writers.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }
}
