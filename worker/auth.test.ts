import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { echoOrigin } from "../test/support/echo-origin";
import { startWorker, type WorkerHandle } from "../test/support/worker";

const TOKEN = "s3cret-control-token-for-auth-test";
const ISSUER = "https://token.actions.githubusercontent.com";
const AUDIENCE = "edge-bluegreen";
const REPO = "acme/log-platform";

type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/** A GitHub-Actions-shaped OIDC token signed by the local key. */
function oidc(key: Key, claims: Record<string, unknown> = {}, opts: { audience?: string; exp?: string | number } = {}) {
  return new SignJWT({ repository: REPO, ref: "refs/heads/main", ...claims })
    .setProtectedHeader({ alg: "RS256", kid: "test-key" })
    .setIssuer(ISSUER)
    .setSubject(`repo:${REPO}:ref:refs/heads/main`)
    .setAudience(opts.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? "5m")
    .sign(key);
}

describe("control API auth", () => {
  let worker: WorkerHandle;
  let key: Key;
  let jwksServer: ReturnType<typeof createServer>;
  let origin: Awaited<ReturnType<typeof echoOrigin>>;

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256");
    key = pair.privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
    // The JWKS endpoint GitHub would serve, on loopback.
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks`;
    origin = await echoOrigin("blue");
    worker = await startWorker({
      vars: {
        BLUE_ORIGIN: origin.url,
        GREEN_ORIGIN: origin.url,
        CONTROL_TOKEN: TOKEN,
        OIDC_ISSUER: ISSUER,
        OIDC_AUDIENCE: AUDIENCE,
        OIDC_REPOSITORIES: `${REPO}, other/repo`,
        OIDC_JWKS_URL: jwksUrl,
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await origin?.close();
    jwksServer?.close();
  });

  const state = (authorization?: string) =>
    fetch(`${worker.url}/api/state`, { headers: authorization ? { authorization } : {} });

  const expect401 = async (res: Response, messagePart: RegExp) => {
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("unauthorized");
    expect(body.error.message).toMatch(messagePart);
  };

  test("the control token is accepted", async () => {
    expect((await state(`Bearer ${TOKEN}`)).status).toBe(200);
  });

  test("no header, another scheme, or a wrong token is 401", async () => {
    await expect401(await state(), /missing bearer token/);
    await expect401(await state(`Basic ${btoa(`x:${TOKEN}`)}`), /missing bearer token/);
    await expect401(await state(`Bearer ${TOKEN}x`), /invalid token/);
    await expect401(await state(`Bearer ${TOKEN.slice(0, -1)}`), /invalid token/);
  });

  test("every /api route is guarded, including writes", async () => {
    for (const [method, path] of [
      ["POST", "/api/deployments"],
      ["POST", "/api/rollback"],
      ["GET", "/api/events"],
      ["GET", "/api/deployments/x"],
      ["POST", "/api/deployments/x/abort"],
    ] as const) {
      const res = await fetch(`${worker.url}${path}`, {
        method,
        body: method === "POST" ? '{"version":"v9"}' : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  test("a GitHub OIDC token from an allowed repository is accepted", async () => {
    expect((await state(`Bearer ${await oidc(key)}`)).status).toBe(200);
    expect((await state(`Bearer ${await oidc(key, { repository: "Other/Repo" })}`)).status).toBe(200);
  });

  test("OIDC tokens from the wrong repository, audience, issuer, key or time are 401", async () => {
    await expect401(await state(`Bearer ${await oidc(key, { repository: "evil/fork" })}`), /repository/);
    await expect401(await state(`Bearer ${await oidc(key, {}, { audience: "someone-else" })}`), /aud/);
    const expired = await oidc(key, {}, { exp: Math.floor(Date.now() / 1000) - 600 });
    await expect401(await state(`Bearer ${expired}`), /exp/);
    const foreign = (await generateKeyPair("RS256")).privateKey;
    await expect401(await state(`Bearer ${await oidc(foreign)}`), /signature/);
    const otherIssuer = await new SignJWT({ repository: REPO })
      .setProtectedHeader({ alg: "RS256", kid: "test-key" })
      .setIssuer("https://evil.example")
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(key);
    await expect401(await state(`Bearer ${otherIssuer}`), /iss/);
  });

  test("tokens never appear in the Worker's logs", async () => {
    const jwt = await oidc(key, { repository: "evil/fork" });
    await state(`Bearer ${jwt}`);
    await state(`Bearer ${TOKEN}`);
    await fetch(`${worker.url}/ingest`, {
      method: "POST",
      headers: { "x-deploy-color": "green", authorization: `Bearer ${TOKEN}` },
    });
    expect(worker.output()).not.toContain(TOKEN);
    expect(worker.output()).not.toContain(jwt.split(".")[2]);
  });
});
