import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { DeploymentRequest, RollbackRequest } from "../shared";
import { authenticate, type Principal } from "./auth";
import type { Result } from "./controller/result";
import { controller, type Env } from "./env";
import { errorBody, errorResponse, HttpError } from "./errors";

const API_BODY_LIMIT = 64 * 1024;

type ApiEnv = { Bindings: Env; Variables: { principal: Principal } };

const actorOf = (p: Principal) => (p.kind === "oidc" ? `${p.repository} (${p.subject})` : "control-token");

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
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    throw new HttpError(400, "invalid_request", message);
  }
  return parsed.data;
}

function reply<T>(c: { json: (v: unknown, s?: number) => Response }, r: Result<T>, okStatus = 200): Response {
  return r.ok ? c.json(r.value, okStatus) : c.json(errorBody(r.code, r.message), r.status);
}

/** The control API: every route needs a bearer token (CONTROL_TOKEN or GitHub OIDC). */
export const api = new Hono<ApiEnv>()
  .use(async (c, next) => {
    const auth = await authenticate(c.req.header("authorization"), c.env);
    if (!auth.ok) {
      return c.json(errorBody("unauthorized", auth.message), 401, { "www-authenticate": 'Bearer realm="control"' });
    }
    c.set("principal", auth.principal);
    await next();
  })
  .use(
    bodyLimit({
      maxSize: API_BODY_LIMIT,
      onError: (c) => c.json(errorBody("payload_too_large", `body exceeds ${API_BODY_LIMIT} bytes`), 413),
    }),
  )
  .get("/state", async (c) => c.json(await controller(c.env).getState()))
  .get("/events", (c) => controller(c.env).fetch(c.req.raw))
  .post("/deployments", async (c) => {
    const req = await body(c.req.raw, DeploymentRequest);
    return reply(c, await controller(c.env).startDeployment(req, actorOf(c.get("principal"))), 201);
  })
  .get("/deployments/:id", async (c) => reply(c, await controller(c.env).getDeployment(c.req.param("id"))))
  .post("/deployments/:id/promote", async (c) =>
    reply(c, await controller(c.env).promote(c.req.param("id"), actorOf(c.get("principal")))),
  )
  .post("/deployments/:id/abort", async (c) =>
    reply(c, await controller(c.env).abort(c.req.param("id"), actorOf(c.get("principal")))),
  )
  .post("/rollback", async (c) => {
    const req = await body(c.req.raw, RollbackRequest);
    return reply(c, await controller(c.env).rollback(req, actorOf(c.get("principal"))));
  })
  .onError((e, c) => {
    if (e instanceof HttpError) return errorResponse(c, e);
    console.error("control API error:", (e as Error).message);
    return c.json(errorBody("internal", "internal error"), 500);
  });
