import type { Delivery, Outcome } from "./outbox";

/** One attempt may take this long; the outbox's lease (30 s) covers it. */
const SEND_TIMEOUT_MS = 10_000;
/** A Retry-After asking for more than this is held to it. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;
/** Answers worth another attempt; any other 4xx (bad URL, revoked webhook, refused signature) will not change. */
const RETRYABLE = new Set([408, 425, 429]);

export const SIGNATURE_HEADER = "x-bluegreen-signature";

const encoder = new TextEncoder();

/** `sha256=<hex HMAC-SHA256 of the raw body>` (the GitHub webhook convention). */
export async function sign(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function retryAfterMs(value: string | null, now: number): number {
  if (!value) return 0;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : 0;
}

/** POSTs the delivery's body once. Redirects are not followed: webhooks come from config only. */
export async function send(d: Delivery, secret: string | undefined): Promise<Outcome> {
  if (!/^https?:$/.test(URL.parse(d.url)?.protocol ?? "")) {
    return { ok: false, error: "not an http(s) URL", permanent: true, retryAfterMs: 0 };
  }
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "edge-bluegreen-notify",
    "x-bluegreen-event": d.eventId,
    "x-bluegreen-delivery-attempt": String(d.attempts),
  };
  if (secret) headers[SIGNATURE_HEADER] = await sign(secret, d.body);
  let res: Response;
  try {
    res = await fetch(d.url, {
      method: "POST",
      headers,
      body: d.body,
      redirect: "manual",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (e) {
    return { ok: false, error: `unreachable: ${(e as Error).message}`, permanent: false, retryAfterMs: 0 };
  }
  await res.body?.cancel();
  if (res.status >= 200 && res.status < 300) return { ok: true };
  const retryable = res.status >= 500 || RETRYABLE.has(res.status);
  return {
    ok: false,
    error: `answered ${res.status}`,
    permanent: !retryable,
    retryAfterMs: retryAfterMs(res.headers.get("retry-after"), Date.now()),
  };
}
