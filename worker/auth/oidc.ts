import { errors, jwtVerify } from "jose";
import type { AuditPrincipal, RefusalReason } from "../../shared/audit";
import { JwksUnavailable, keySet } from "./jwks";
import { checkClaims, type OidcPolicy } from "./policy";

/** Refused credentials: 401, or 503 when GitHub's keys can't be had. */
export interface Refusal {
  ok: false;
  status: 401 | 503;
  reason: RefusalReason;
  message: string;
  /** set when the token was genuine and from an allowed repository (worth an audit entry). */
  principal: AuditPrincipal | null;
  retryAfter?: number;
}

export type OidcResult = { ok: true; principal: AuditPrincipal } | Refusal;

/** Which refusal a jose error is; its message names the claim or the step and never holds the token. */
function reasonOf(e: unknown): RefusalReason {
  if (e instanceof errors.JWTExpired) return "oidc_expired";
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === "iss") return "oidc_issuer";
    if (e.claim === "aud") return "oidc_audience";
    return "oidc_expired"; // exp, nbf, iat
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return "oidc_signature";
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) return "oidc_unknown_key";
  return "oidc_malformed";
}

/** Verifies a GitHub Actions OIDC token (signature, iss, aud, exp) and then the claim policy. */
export async function verifyOidc(token: string, policy: OidcPolicy): Promise<OidcResult> {
  if (!policy.enabled) {
    return { ok: false, status: 401, reason: "oidc_disabled", message: "invalid token", principal: null };
  }
  const keys = keySet(policy.jwksUrl, policy.jwksCooldownMs);
  let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    ({ payload } = await jwtVerify(token, keys.get, {
      issuer: policy.issuer,
      audience: policy.audience,
      algorithms: ["RS256"],
      requiredClaims: ["exp"],
    }));
  } catch (e) {
    if (e instanceof JwksUnavailable) {
      const retryAfter = keys.retryAfterSeconds();
      return { ok: false, status: 503, reason: "jwks_unavailable", message: e.message, principal: null, retryAfter };
    }
    return {
      ok: false,
      status: 401,
      reason: reasonOf(e),
      message: `invalid OIDC token: ${(e as Error).message}`,
      principal: null,
    };
  }
  const checked = checkClaims(payload, policy);
  return checked.ok ? checked : { ...checked, status: 401 };
}
