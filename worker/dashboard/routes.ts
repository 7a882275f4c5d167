import { Hono } from "hono";
import { etag } from "hono/etag";
import { secureHeaders } from "hono/secure-headers";
import { controller, type Env } from "../env";
import { ASSETS } from "./assets";
import { BASE, page } from "./page";

/**
 * The dashboard: public and read-only (page, static files, state, live stream). Promote, abort and
 * rollback go through /api with the bearer token, which the page asks the operator for.
 */
export const dashboard = new Hono<{ Bindings: Env }>()
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
  .get("/state", async (c) => c.json(await controller(c.env).getState(), 200, { "cache-control": "no-store" }))
  // The controller's SSE stream, as /api/events serves it to the action.
  .get("/events", (c) => controller(c.env).fetch(c.req.raw))
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
