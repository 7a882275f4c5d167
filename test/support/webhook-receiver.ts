import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { NotifyPayload } from "../../shared";

export interface Received {
  at: number;
  status: number;
  eventId: string | undefined;
  attempt: string | undefined;
  body: string;
}

export interface ReceiverOptions {
  /** the secret the receiver checks `x-bluegreen-signature` against (as a real one configured with it would). */
  secret: string;
  /** answer this many first requests with `failStatus`, whatever they carry. */
  failFirst?: number;
  failStatus?: number;
  /** a port to listen on (to come back on the same URL). */
  port?: number;
}

/**
 * A webhook endpoint like a Slack- or Discord-style receiver with signature checks: 401 unless the body's
 * HMAC-SHA256 under `secret` matches the header (compared in constant time), 400 unless it is a notification.
 * `payloads` holds what it accepted, once per event id, in arrival order.
 */
export async function startReceiver(opts: ReceiverOptions) {
  const requests: Received[] = [];
  const payloads: NotifyPayload[] = [];
  const seen = new Set<string>();
  const verify = (body: string, header: string | undefined) => {
    const expected = Buffer.from(`sha256=${createHmac("sha256", opts.secret).update(body).digest("hex")}`);
    const got = Buffer.from(header ?? "");
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  const answer = (body: string, signature: string | undefined): number => {
    if (requests.length < (opts.failFirst ?? 0)) return opts.failStatus ?? 500;
    if (!verify(body, signature)) return 401;
    const parsed = NotifyPayload.safeParse(JSON.parse(body));
    if (!parsed.success) return 400;
    // At-least-once: a repeat of an accepted event is acknowledged and dropped.
    if (!seen.has(parsed.data.id)) payloads.push(parsed.data);
    seen.add(parsed.data.id);
    return 200;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const header = (name: string) => req.headers[name] as string | undefined;
      const status = answer(body, header("x-bluegreen-signature"));
      requests.push({
        at: Date.now(),
        status,
        eventId: header("x-bluegreen-event"),
        attempt: header("x-bluegreen-delivery-attempt"),
        body,
      });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "no");
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    payloads,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
