import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Env } from "./env";

export type Principal =
  | { kind: "token"; subject: "control-token" }
  | { kind: "oidc"; subject: string; repository: string };

export type AuthResult = { ok: true; principal: Principal } | { ok: false; message: string };

const encoder = new TextEncoder();

/** Constant-time string comparison: both sides are hashed first so lengths never leak either. */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

// One JWKS cache per URL per isolate (jose refreshes on unknown `kid`, with cooldown).
const jwksByUrl = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
function jwks(url: string) {
  let set = jwksByUrl.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url));
    jwksByUrl.set(url, set);
  }
  return set;
}

const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

async function verifyOidc(token: string, env: Env): Promise<AuthResult> {
  const audience = env.OIDC_AUDIENCE?.trim();
  const repositories = list(env.OIDC_REPOSITORIES);
  if (!audience || repositories.length === 0 || !env.OIDC_JWKS_URL) {
    return { ok: false, message: "invalid token" };
  }
  try {
    const { payload } = await jwtVerify(token, jwks(env.OIDC_JWKS_URL), {
      issuer: env.OIDC_ISSUER || "https://token.actions.githubusercontent.com",
      audience,
      algorithms: ["RS256"],
    });
    const repository = typeof payload.repository === "string" ? payload.repository : "";
    if (!repositories.includes(repository.toLowerCase())) {
      return { ok: false, message: "OIDC token is from a repository that is not allowed" };
    }
    return { ok: true, principal: { kind: "oidc", subject: String(payload.sub ?? ""), repository } };
  } catch (e) {
    // jose's messages name the failed claim (exp, aud, iss, signature) and never contain the token.
    return { ok: false, message: `invalid OIDC token: ${(e as Error).message}` };
  }
}

/** Checks `Authorization: Bearer …` against CONTROL_TOKEN or, for a JWT, GitHub Actions OIDC. */
export async function authenticate(header: string | null | undefined, env: Env): Promise<AuthResult> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return { ok: false, message: "missing bearer token (Authorization: Bearer <token>)" };
  const token = match[1];
  if (env.CONTROL_TOKEN && (await safeEqual(token, env.CONTROL_TOKEN))) {
    return { ok: true, principal: { kind: "token", subject: "control-token" } };
  }
  if (token.split(".").length === 3) return verifyOidc(token, env);
  return { ok: false, message: "invalid token" };
}
