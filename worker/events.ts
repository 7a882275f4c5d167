const encoder = new TextEncoder();
const HEARTBEAT_MS = 15_000;

/** Server-sent-event fan-out for the Durable Object's live subscribers (dashboard, action). */
export class EventHub {
  private writers = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;

  get size(): number {
    return this.writers.size;
  }

  /** A new stream that first receives `initial`, then every broadcast. */
  subscribe(initial: { event: string; data: unknown }): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
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
    writer.write(encoder.encode(text)).catch(() => this.drop(writer));
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
