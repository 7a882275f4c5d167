import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import * as z from "zod";
import { type Role, roleAllows } from "../../shared/audit";
import { DeploymentRequest, RollbackRequest } from "../../shared/index";
import { type ApiEnv, guard } from "../audit/guard";
import { actorOf, missingRole, startedBy } from "../auth/roles";
import type { Result } from "../controller/result";
import { controller } from "../controller/stub";
import { errorBody, errorResponse, HttpError } from "../http/errors";
import { apiHeaders } from "../http/security-headers";

const API_BODY_LIMIT = 64 * 1024;

const ReplayRequest = z.object({ limit: z.number().int().min(1).max(1000).default(100) });

const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100_000).default(200),
  before: z.coerce.number().int().positive().optional(),
});

/** Parses and validates a JSON body; an empty body counts as `{}`. */
async function body<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  const text = await req.text();
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new HttpError(400, "invalid_json", "request body is not valid JSON");
    }
  }
  return valid(raw, schema, "body");
}

function valid<S extends z.ZodType>(raw: unknown, schema: S, what: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join(".") || what}: ${i.message}`).join("; ");
    throw new HttpError(400, "invalid_request", message);
  }
  return parsed.data;
}

function reply<T>(c: { json: (v: unknown, s?: number) => Response }, r: Result<T>, okStatus = 200): Response {
  return r.ok ? c.json(r.value, okStatus) : c.json(errorBody(r.code, r.message), r.status);
}

/** 403 unless the caller's role reaches `needs` (docs/access-and-audit.md: the role of each call). */
const need = (needs: Role, what: string) =>
  createMiddleware<ApiEnv>(async (c, next) => {
    const missing = missingRole(c.get("session").role, needs, what);
    if (missing) throw new HttpError(403, "forbidden", missing);
    await next();
  });

/** The audit names the deployment a call is about. */
const onDeployment = createMiddleware<ApiEnv>(async (c, next) => {
  c.set("target", c.req.param("id") ?? null);
  await next();
});

/**
 * The control API. Every call needs a bearer token (CONTROL_TOKEN, VIEW_TOKEN or GitHub OIDC), is checked
 * against the caller's role and is recorded in the audit log.
 */
export const api = new Hono<ApiEnv>()
  .use(apiHeaders)
  .use(guard)
  .use(
    bodyLimit({
      maxSize: API_BODY_LIMIT,
      onError: (c) => c.json(errorBody("payload_too_large", `body exceeds ${API_BODY_LIMIT} bytes`), 413),
    }),
  )
  .get("/session", (c) => c.json(c.get("session")))
  .get("/state", async (c) => c.json(await controller(c.env).getState()))
  .get("/events", (c) => controller(c.env).fetch(c.req.raw))
  .post("/deployments", need("deployer", "starting a deployment"), async (c) => {
    const req = await body(c.req.raw, DeploymentRequest);
    const r = await controller(c.env).startDeployment(req, actorOf(c.get("session").principal));
    if (r.ok) c.set("target", r.value.id);
    return reply(c, r, 201);
  })
  .get("/deployments/:id", onDeployment, async (c) =>
    reply(c, await controller(c.env).getDeployment(c.req.param("id"))),
  )
  .post("/deployments/:id/promote", onDeployment, need("operator", "promote"), async (c) =>
    reply(c, await controller(c.env).promote(c.req.param("id"), actorOf(c.get("session").principal))),
  )
  .post("/deployments/:id/abort", onDeployment, async (c) => {
    const id = c.req.param("id");
    const { principal, role } = c.get("session");
    const actor = actorOf(principal);
    if (!roleAllows(role, "operator")) {
      // A deployer may stop the deployment it started (the action does at its timeout), nothing else.
      const d = await controller(c.env).getDeployment(id);
      if (!roleAllows(role, "deployer") || !d.ok || !startedBy(d.value.actor, actor)) {
        throw new HttpError(
          403,
          "forbidden",
          `abort needs the operator role, or a deployment these credentials started; these credentials have ${role}`,
        );
      }
    }
    return reply(c, await controller(c.env).abort(id, actor));
  })
  .post("/rollback", need("operator", "rollback"), async (c) => {
    const req = await body(c.req.raw, RollbackRequest);
    return reply(c, await controller(c.env).rollback(req, actorOf(c.get("session").principal)));
  })
  .post("/spool/replay", need("operator", "replaying the spool's dead letters"), async (c) => {
    const { limit } = await body(c.req.raw, ReplayRequest);
    const queue = c.env.SPOOL;
    if (!queue || !c.env.SPOOL_BUCKET)
      throw new HttpError(409, "no_spool", "the Worker has no SPOOL and SPOOL_BUCKET bindings");
    const stub = controller(c.env);
    const messages = await stub.spoolDeadLetters(limit);
    // Sent first, then taken off the dead-letter store: a failure in between replays them twice at worst
    // (the platform drops the second copy by its idempotency-key).
    if (messages.length) await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
    await stub.spoolReplayed(messages);
    return c.json({ replayed: messages.length });
  })
  .get("/audit", need("operator", "the audit log"), async (c) => {
    const q = valid(c.req.query(), AuditQuery, "query");
    return c.json(await controller(c.env).auditLog(q.limit, q.before ?? null));
  })
  .onError((e, c) => {
    if (e instanceof HttpError) return errorResponse(c, e);
    console.error("control API error:", (e as Error).message);
    return c.json(errorBody("internal", "internal error"), 500);
  });
