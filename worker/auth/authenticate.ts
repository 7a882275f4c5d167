import type { AuditPrincipal, RefusalReason, Role, Session } from "../../shared/audit";
import type { Env } from "../env";
import { type Refusal, verifyOidc } from "./oidc";
import { oidcPolicy } from "./policy";
import { missingRole, oidcRole } from "./roles";

export type AuthResult = ({ ok: true } & Session) | Refusal;

const encoder = new TextEncoder();

/** Constant-time string comparison: both sides are hashed first so lengths never leak either. */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

const tokenPrincipal = (kind: "control-token" | "view-token"): AuditPrincipal => ({
  kind,
  subject: kind,
  repository: null,
  repositoryId: null,
  ref: null,
  event: null,
  environment: null,
  workflow: null,
  actor: null,
  runId: null,
  runAttempt: null,
});

const refused = (reason: RefusalReason, message: string): AuthResult => ({
  ok: false,
  status: 401,
  reason,
  message,
  principal: null,
});

/**
 * Checks `Authorization: Bearer …`: CONTROL_TOKEN (operator), VIEW_TOKEN (viewer), or a GitHub Actions
 * OIDC token that passes the claim policy (deployer or operator, docs/access-and-audit.md).
 */
export async function authenticate(header: string | null | undefined, env: Env): Promise<AuthResult> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return refused("missing", "missing bearer token (Authorization: Bearer <token>)");
  const token = match[1];
  // Both secrets are always compared, so the time taken tells nothing about which one matched.
  const [control, view] = await Promise.all([
    env.CONTROL_TOKEN ? safeEqual(token, env.CONTROL_TOKEN) : false,
    env.VIEW_TOKEN ? safeEqual(token, env.VIEW_TOKEN) : false,
  ]);
  if (control) return { ok: true, principal: tokenPrincipal("control-token"), role: "operator" };
  if (view) return { ok: true, principal: tokenPrincipal("view-token"), role: "viewer" };
  if (token.split(".").length !== 3) return refused("invalid_token", "invalid token");
  const policy = oidcPolicy(env);
  const oidc = await verifyOidc(token, policy);
  return oidc.ok ? { ok: true, principal: oidc.principal, role: oidcRole(oidc.principal, policy) } : oidc;
}

/** For callers outside the control API (the router's preview header): null when allowed, else the refusal. */
export async function authorize(
  header: string | null | undefined,
  env: Env,
  needs: Role,
  what: string,
): Promise<{ status: 401 | 403 | 503; code: string; message: string } | null> {
  const auth = await authenticate(header, env);
  if (!auth.ok) {
    return { status: auth.status, code: auth.status === 503 ? "unavailable" : "unauthorized", message: auth.message };
  }
  const missing = missingRole(auth.role, needs, what);
  return missing ? { status: 403, code: "forbidden", message: missing } : null;
}
