import { Hono } from "hono";
import { etag } from "hono/etag";
import { secureHeaders } from "hono/secure-headers";
import type { Env } from "../env";
import { ASSETS } from "./assets";
import { BASE, page } from "./page";

/**
 * The dashboard: only the page and its static files are public. They hold no data: the page asks for the
 * control token, then follows /api/events and calls /api for promote, abort and rollback, with that token,
 * so versions, origins, health and history are never readable without it.
 */
export const dashboard = new Hono<{ Bindings: Env }>()
  // On everything under /dashboard, 404s included (the page itself also gets its CSP below).
  .use(async (c, next) => {
    await next();
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
  })
  .get(
    "/",
    secureHeaders({
      // Everything the page loads is its own: no inline script or style, no third party.
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        connectSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
      referrerPolicy: "no-referrer",
    }),
    (c) => c.html(page(), 200, { "cache-control": "no-cache" }),
  )
  // no-cache + ETag: a browser revalidates (304) so a new Worker version is picked up at once.
  .get("/static/:file{.+}", etag(), (c) => {
    const asset = ASSETS[c.req.param("file")];
    if (!asset) return c.text("not found", 404);
    return c.body(asset.body, 200, {
      "content-type": asset.type,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    });
  })
  // Nothing under /dashboard reaches the log platform.
  .all("*", (c) => (c.req.path === `${BASE}/` ? c.redirect(BASE, 301) : c.text("not found", 404)));
