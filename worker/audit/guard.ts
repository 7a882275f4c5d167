import { createMiddleware } from "hono/factory";
import type { AuditPrincipal, Session } from "../../shared/audit";
import { authenticate } from "../auth/authenticate";
import { controller } from "../controller/stub";
import type { Env } from "../env";
import { errorBody } from "../http/errors";
import { refusals } from "./refusals";
import type { NewAuditEntry } from "./store";

export type ApiEnv = { Bindings: Env; Variables: { session: Session; target: string | null } };

const RUN = /^\d{1,20}$/;
const REPOSITORY = /^[\w.-]{1,100}\/[\w.-]{1,100}$/;
const MAX_TEXT = 500;

/**
 * The run the call comes from: the OIDC token's claims when it has them, else what the caller says in
 * `x-github-run-id`, `x-github-run-attempt`, `x-github-repository` (the action sends them).
 */
function withRun(p: AuditPrincipal, headers: Headers): AuditPrincipal {
  const header = (name: string, re: RegExp) => {
    const v = headers.get(name)?.trim();
    return v && re.test(v) ? v : null;
  };
  return {
    ...p,
    repository: p.repository ?? header("x-github-repository", REPOSITORY),
    runId: p.runId ?? header("x-github-run-id", RUN),
    runAttempt: p.runAttempt ?? header("x-github-run-attempt", RUN),
  };
}

/** The error message of a failed call, which the audit keeps as the reason. */
async function reasonOf(res: Response): Promise<string | null> {
  if (res.status < 400) return null;
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { error?: { message?: unknown } } | null;
  const message = body?.error?.message;
  return (typeof message === "string" ? message : `HTTP ${res.status}`).slice(0, MAX_TEXT);
}

async function record(env: Env, entry: NewAuditEntry): Promise<void> {
  await controller(env)
    .audit(entry)
    .catch((e: Error) => console.error("audit: entry lost:", e.message));
}

/**
 * Authenticates every control call and records it in the audit log with its outcome. Refused credentials
 * are counted by reason; a refused OIDC token from an allowed repository is also an entry (it names a run).
 */
export const guard = createMiddleware<ApiEnv>(async (c, next) => {
  const auth = await authenticate(c.req.header("authorization"), c.env);
  const call = `${c.req.method} ${c.req.path}`.slice(0, MAX_TEXT);
  const at = new Date().toISOString();
  if (!auth.ok) {
    const flush = refusals.add(auth.reason, (counts) =>
      controller(c.env).auditRefusals(counts, new Date().toISOString()),
    );
    if (flush) c.executionCtx.waitUntil(flush);
    if (auth.principal) {
      const principal = withRun(auth.principal, c.req.raw.headers);
      await record(c.env, { at, principal, role: null, call, target: null, status: auth.status, reason: auth.message });
    }
    const headers: Record<string, string> = { "www-authenticate": 'Bearer realm="control"' };
    if (auth.retryAfter) headers["retry-after"] = String(auth.retryAfter);
    const code = auth.status === 503 ? "unavailable" : "unauthorized";
    return c.json(errorBody(code, auth.message), auth.status, headers);
  }
  const session: Session = { principal: withRun(auth.principal, c.req.raw.headers), role: auth.role };
  c.set("session", session);
  c.set("target", null);
  await next();
  await record(c.env, {
    at,
    ...session,
    call,
    target: c.get("target"),
    status: c.res.status,
    reason: await reasonOf(c.res),
  });
});
