import { createMiddleware } from "hono/factory";

/**
 * Headers on every control API answer (errors included): never cached (they carry live state and
 * audit data), never sniffed into another type, never framed or given a Referer.
 */
export const apiHeaders = createMiddleware(async (c, next) => {
  await next();
  // A copy: a response passed through from the Durable Object has immutable headers.
  c.res = new Response(c.res.body, c.res);
  c.res.headers.set("cache-control", "no-store, no-transform");
  c.res.headers.set("x-content-type-options", "nosniff");
  c.res.headers.set("referrer-policy", "no-referrer");
  c.res.headers.set("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
});
