import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export const ISSUER = "https://token.actions.githubusercontent.com";
export const AUDIENCE = "edge-bluegreen";
export const REPO = "acme/log-platform";
export const REPO_ID = "123456789";
export const OWNER_ID = "4242";
export const DEPLOY_WORKFLOW = `${REPO}/.github/workflows/deploy.yml@refs/heads/main`;
export const ROLLBACK_WORKFLOW = `${REPO}/.github/workflows/rollback.yml@refs/heads/main`;

type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/** The claims GitHub puts in a push-to-main run's token (docs: "About security hardening with OpenID Connect"). */
export const githubClaims = (): Record<string, unknown> => ({
  sub: `repo:${REPO}:ref:refs/heads/main`,
  repository: REPO,
  repository_id: REPO_ID,
  repository_owner: "acme",
  repository_owner_id: OWNER_ID,
  ref: "refs/heads/main",
  ref_type: "branch",
  event_name: "push",
  environment: "production",
  job_workflow_ref: DEPLOY_WORKFLOW,
  workflow_ref: DEPLOY_WORKFLOW,
  actor: "octocat",
  run_id: "987654321",
  run_attempt: "1",
  sha: "0123456789abcdef0123456789abcdef01234567",
});

export interface SignOptions {
  audience?: string;
  issuer?: string;
  exp?: string | number;
  kid?: string;
  key?: Key;
}

/**
 * A stand-in for GitHub's OIDC issuer on loopback: a signing key, the JWKS endpoint (counting its fetches)
 * and GitHub-shaped tokens. Claims set to `undefined` are left out.
 */
export async function localIssuer() {
  const pair = await generateKeyPair("RS256");
  const keys: JWK[] = [{ ...(await exportJWK(pair.publicKey)), kid: "key-1", alg: "RS256", use: "sig" }];
  let fetches = 0;
  let status = 200;
  const server = createServer((_req, res) => {
    fetches++;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(status === 200 ? JSON.stringify({ keys }) : "{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks`;

  const sign = (claims: Record<string, unknown> = {}, opts: SignOptions = {}) => {
    const all = Object.fromEntries(Object.entries({ ...githubClaims(), ...claims }).filter(([, v]) => v !== undefined));
    return new SignJWT(all)
      .setProtectedHeader({ alg: "RS256", kid: opts.kid ?? "key-1" })
      .setIssuer(opts.issuer ?? ISSUER)
      .setAudience(opts.audience ?? AUDIENCE)
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime(opts.exp ?? "5m")
      .sign(opts.key ?? pair.privateKey);
  };

  return {
    jwksUrl,
    sign,
    /** GETs of the JWKS so far. */
    fetches: () => fetches,
    /** make the JWKS endpoint fail (GitHub down) or work again. */
    setStatus: (s: number) => {
      status = s;
    },
    /** publishes a new signing key (a rotation) and returns it. */
    async rotate(kid: string): Promise<Key> {
      const next = await generateKeyPair("RS256");
      keys.push({ ...(await exportJWK(next.publicKey)), kid, alg: "RS256", use: "sig" });
      return next.privateKey;
    },
    /** the Worker vars that trust this issuer. */
    vars: (): Record<string, string> => ({ OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: AUDIENCE, OIDC_JWKS_URL: jwksUrl }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type LocalIssuer = Awaited<ReturnType<typeof localIssuer>>;
