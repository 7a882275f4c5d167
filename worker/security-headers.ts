import { createMiddleware } from "hono/factory";

/**
 * Headers on every control API answer (errors included): never cached (they carry live state and
 * audit data), never sniffed into another type, never framed or given a Referer.
 */
export const apiHeaders = createMiddleware(async (c, next) => {
  await next();
  // A copy: a response passed through from the Durable Object has immutable headers.
  const res = new Response(c.res.body, c.res);
  res.headers.set("cache-control", "no-store, no-transform");
  res.headers.set("x-content-type-options", "nosniff");
  res.headers.set("referrer-policy", "no-referrer");
  res.headers.set("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
  c.res = res;
});
