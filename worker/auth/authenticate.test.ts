// The OIDC claim policy and the two tokens, against the real Worker (workerd) with tokens signed by a local
// stand-in for GitHub's issuer.
import { generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  DEPLOY_WORKFLOW,
  type LocalIssuer,
  OWNER_ID,
  oidcWorker,
  REPO,
  REPO_ID,
  ROLLBACK_WORKFLOW,
} from "../../test/support/oidc";
import type { WorkerHandle } from "../../test/support/worker";

const TOKEN = "s3cret-control-token-for-auth-test";
const VIEW = "s3cret-view-token-for-auth-test";

describe("control API auth", () => {
  let worker: WorkerHandle;
  let issuer: LocalIssuer;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ worker, issuer, stop } = await oidcWorker({
      CONTROL_TOKEN: TOKEN,
      VIEW_TOKEN: VIEW,
      // acme/log-platform by id only; other/repo by name. OIDC_REFS and OIDC_EVENTS keep their defaults.
      OIDC_REPOSITORIES: `${REPO_ID}, other/repo`,
      OIDC_ENVIRONMENTS: "production",
      OIDC_WORKFLOWS: `${DEPLOY_WORKFLOW}, ${ROLLBACK_WORKFLOW}, other/repo/.github/workflows/*@refs/heads/main`,
    }));
  });
  afterAll(() => stop?.());

  const state = (authorization?: string) =>
    fetch(`${worker.url}/api/state`, { headers: authorization ? { authorization } : {} });

  /** A 401 whose message matches and which never repeats the credentials it got. */
  const expect401 = async (credentials: string | undefined, messagePart: RegExp) => {
    const res = await state(credentials);
    const text = await res.text();
    expect(res.status, text).toBe(401);
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("unauthorized");
    expect(body.error.message).toMatch(messagePart);
    if (credentials) expect(text).not.toContain(credentials.replace(/^\S+\s+/, ""));
    return body.error.message;
  };
  const jwt = async (claims: Record<string, unknown> = {}, opts = {}) => `Bearer ${await issuer.sign(claims, opts)}`;

  test("the control token and the view token are accepted", async () => {
    expect((await state(`Bearer ${TOKEN}`)).status).toBe(200);
    expect((await state(`Bearer ${VIEW}`)).status).toBe(200);
  });

  test("no header, another scheme, or a wrong token is 401", async () => {
    await expect401(undefined, /missing bearer token/);
    await expect401(`Basic ${btoa(`x:${TOKEN}`)}`, /missing bearer token/);
    await expect401(`Bearer ${TOKEN}x`, /invalid token/);
    await expect401(`Bearer ${VIEW.slice(0, -1)}`, /invalid token/);
  });

  test("every /api route is guarded, including writes", async () => {
    for (const [method, path] of [
      ["POST", "/api/deployments"],
      ["POST", "/api/rollback"],
      ["GET", "/api/events"],
      ["GET", "/api/audit"],
      ["GET", "/api/session"],
      ["GET", "/api/deployments/x"],
      ["POST", "/api/deployments/x/abort"],
      ["POST", "/api/deployments/x/promote"],
    ] as const) {
      const res = await fetch(`${worker.url}${path}`, {
        method,
        body: method === "POST" ? '{"version":"v9"}' : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  test("a push to main from the allowed repository id is accepted, in both sub forms", async () => {
    expect((await state(await jwt())).status).toBe(200);
    // Repositories created since July 2026: repo:OWNER@OWNER_ID/REPO@REPO_ID:…
    const newSub = `repo:acme@${OWNER_ID}/log-platform@${REPO_ID}:ref:refs/heads/main`;
    expect((await state(await jwt({ sub: newSub }))).status).toBe(200);
    // A job with an environment gets repo:…:environment:NAME.
    expect((await state(await jwt({ sub: `repo:${REPO}:environment:production` }))).status).toBe(200);
    // OIDC_EVENTS defaults to push and workflow_dispatch.
    const dispatch = await jwt({ event_name: "workflow_dispatch", job_workflow_ref: ROLLBACK_WORKFLOW });
    expect((await state(dispatch)).status).toBe(200);
  });

  test("a repository named in OIDC_REPOSITORIES matches by name, case-insensitively", async () => {
    const other = {
      repository: "Other/Repo",
      repository_id: "555",
      sub: "repo:Other/Repo:ref:refs/heads/main",
      job_workflow_ref: "other/repo/.github/workflows/ship.yml@refs/heads/main",
    };
    expect((await state(await jwt(other))).status).toBe(200);
  });

  test("the right repository name with another id is refused (a deleted repository's name registered again)", async () => {
    await expect401(await jwt({ repository_id: "999" }), /"repository".*"repository_id" \("999"\).*OIDC_REPOSITORIES/);
    // …and the list of allowed repositories is not disclosed: anyone on GitHub can mint a token for the audience.
    const message = await expect401(await jwt({ repository: "evil/fork", repository_id: "1" }), /evil\/fork/);
    expect(message).not.toContain(REPO_ID);
    expect(message).not.toContain("other/repo");
  });

  test("a sub that disagrees with the repository claims is refused, in both forms", async () => {
    await expect401(await jwt({ sub: "repo:evil/fork:ref:refs/heads/main" }), /claim "sub" names evil\/fork/);
    const wrongId = `repo:acme@${OWNER_ID}/log-platform@1:ref:refs/heads/main`;
    await expect401(await jwt({ sub: wrongId }), /claim "sub" has repository id 1/);
    const wrongOwner = `repo:acme@1/log-platform@${REPO_ID}:ref:refs/heads/main`;
    await expect401(await jwt({ sub: wrongOwner }), /claim "sub" has owner id 1/);
    await expect401(await jwt({ sub: "repo:garbage" }), /claim "sub" is not of the form/);
  });

  test("each claim of the policy is checked and named when it fails", async () => {
    await expect401(
      await jwt({ ref: "refs/heads/feature" }),
      /claim "ref" is "refs\/heads\/feature", not in OIDC_REFS/,
    );
    await expect401(await jwt({ ref: undefined }), /claim "ref" is missing/);
    await expect401(
      await jwt({ event_name: "pull_request" }),
      /claim "event_name" is "pull_request", not in OIDC_EVENTS/,
    );
    await expect401(await jwt({ event_name: "schedule" }), /"event_name"/);
    await expect401(
      await jwt({ environment: "staging" }),
      /claim "environment" is "staging", not in OIDC_ENVIRONMENTS/,
    );
    await expect401(await jwt({ environment: undefined }), /claim "environment" is missing/);
    const other = `${REPO}/.github/workflows/anything.yml@refs/heads/main`;
    await expect401(await jwt({ job_workflow_ref: other }), /claim "job_workflow_ref" is ".*anything.yml.*", not in/);
    // The workflow file of a feature branch is another job_workflow_ref, even when ref says main.
    const branchFile = `${REPO}/.github/workflows/deploy.yml@refs/heads/feature`;
    await expect401(await jwt({ job_workflow_ref: branchFile }), /"job_workflow_ref"/);
  });

  test("tokens with the wrong audience, issuer, key, time or algorithm are 401", async () => {
    await expect401(await jwt({}, { audience: "someone-else" }), /aud/);
    await expect401(await jwt({}, { exp: Math.floor(Date.now() / 1000) - 600 }), /exp/);
    await expect401(await jwt({}, { issuer: "https://evil.example" }), /iss/);
    const foreign = (await generateKeyPair("RS256")).privateKey;
    await expect401(await jwt({}, { key: foreign }), /signature/);
    await expect401(await jwt({}, { kid: "not-a-key" }), /no applicable key/);
    // alg none: header {"alg":"none"}, the payload of a real token, no signature.
    const [, payload] = (await issuer.sign()).split(".");
    await expect401(`Bearer eyJhbGciOiJub25lIn0.${payload}.`, /invalid OIDC token/);
  });

  test("tokens never appear in the Worker's logs", async () => {
    const refused = await issuer.sign({ repository: "evil/fork" });
    const accepted = await issuer.sign();
    await state(`Bearer ${refused}`);
    await state(`Bearer ${accepted}`);
    await state(`Bearer ${TOKEN}`);
    await state(`Bearer ${VIEW}`);
    await fetch(`${worker.url}/ingest`, {
      method: "POST",
      headers: { "x-deploy-color": "green", authorization: `Bearer ${TOKEN}` },
    });
    for (const secret of [TOKEN, VIEW, refused.split(".")[2], accepted.split(".")[2]]) {
      expect(worker.output()).not.toContain(secret);
    }
  });
});
