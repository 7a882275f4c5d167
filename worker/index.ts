import { Hono } from "hono";
import { api } from "./api/routes";
import { dashboard } from "./dashboard/routes";
import type { Env } from "./env";
import { errorBody } from "./http/errors";
import { forHono } from "./http/paths";
import { routerHealth } from "./router/health";
import { route } from "./router/route";
import { consumeSpool } from "./spool/consume";
import type { SpoolMessage } from "./spool/message";

export { DeploymentController } from "./controller/object";
export { LocationTier } from "./tier/object";

const app = new Hono<{ Bindings: Env }>();

app.route("/api", api);
app.route("/dashboard", dashboard);
// Unknown control paths must never fall through to the proxy.
app.all("/api/*", (c) => c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), 404));

// The Worker's own liveness, with this isolate's router counters (KV and fast-path reads, timeouts and
// ejections are counted by tests and benchmarks).
app.get("/healthz", (c) => c.json(routerHealth()));

// Everything else is log traffic for the platform.
app.all("*", (c) => route(c.req.raw, c.env, c.executionCtx));

export default {
  // Log traffic skips Hono's per-request Context (~5 % of the router's CPU, bench/notes.md).
  fetch: (request: Request, env: Env, ctx: ExecutionContext) =>
    forHono(request.url) ? app.fetch(request, env, ctx) : route(request, env, ctx),
  // The edge spool's queue and its dead-letter queue (docs/spool.md).
  queue: (batch: MessageBatch<SpoolMessage>, env: Env) => consumeSpool(batch, env),
};
