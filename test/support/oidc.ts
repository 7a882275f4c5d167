import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { echoOrigin } from "./echo-origin";
import { startWorker } from "./worker";

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

/** The real Worker in front of an echo origin, trusting a local issuer; `vars` add to or override its config. */
export async function oidcWorker(vars: Record<string, string>) {
  const issuer = await localIssuer();
  const origin = await echoOrigin("blue");
  const closeAll = async () => {
    await origin.close();
    await issuer.close();
  };
  const worker = await startWorker({
    vars: { BLUE_ORIGIN: origin.url, GREEN_ORIGIN: origin.url, ...issuer.vars(), ...vars },
  }).catch(async (e) => {
    await closeAll();
    throw e;
  });
  return {
    issuer,
    worker,
    stop: async () => {
      await worker.stop();
      await closeAll();
    },
  };
}

/**
 * GitHub's ID-token endpoint for a runner (ACTIONS_ID_TOKEN_REQUEST_URL): answers `{value: jwt}` for the
 * requested audience, with the claims of the run set in `claims`. Counts the tokens it issued.
 */
export async function idTokenEndpoint(issuer: LocalIssuer) {
  const REQUEST_TOKEN = "runner-request-token";
  let issued = 0;
  const state = { claims: {} as Record<string, unknown> };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.headers.authorization !== `Bearer ${REQUEST_TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    issuer.sign(state.claims, { audience: url.searchParams.get("audience") ?? AUDIENCE }).then((value) => {
      issued++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ value }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    state,
    issued: () => issued,
    /** the runner's variables that point @actions/core's getIDToken here. */
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
