import * as core from "@actions/core";
import type { TokenSource } from "../control/client";

/** Fetch a fresh OIDC token this long before the current one expires. */
const REFRESH_BEFORE_MS = 60_000;
/** Assumed lifetime when a token's `exp` cannot be read. */
const FALLBACK_LIFETIME_MS = 5 * 60_000;

function expiry(jwt: string): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: unknown };
    if (typeof payload.exp === "number") return payload.exp * 1000;
  } catch {
    // not a readable JWT: fall through
  }
  return Date.now() + FALLBACK_LIFETIME_MS;
}

/** Default OIDC audience: the Worker's origin, so a token minted for one Worker is useless at another. */
export const defaultAudience = (workerUrl: string) => new URL(workerUrl).origin;

/**
 * The control API credentials: the `token` input (masked), else a GitHub Actions OIDC token for
 * `audience`, renewed before it expires (a deployment with a long watch outlives one token).
 */
export function tokenSource(token: string, audience: string): TokenSource {
  if (token) {
    core.setSecret(token);
    return async () => token;
  }
  let cached: { jwt: string; expiresAt: number } | null = null;
  return async () => {
    if (!cached || cached.expiresAt - Date.now() < REFRESH_BEFORE_MS) {
      // getIDToken masks the token itself.
      const jwt = await core.getIDToken(audience).catch((e: Error) => {
        throw new Error(
          `no \`token\` input and no GitHub OIDC token for audience "${audience}" (${e.message}). Grant the job \`permissions: id-token: write\`, or pass \`token\`.`,
        );
      });
      cached = { jwt, expiresAt: expiry(jwt) };
    }
    return cached.jwt;
  };
}
