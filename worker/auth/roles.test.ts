// Roles on the whole local stack (real Worker, origins, tokens signed by a local issuer): what a viewer, a
// deployer and an operator may do, 403 (not 401) for the rest, and the preview header.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Deployment, Session, State } from "../../shared";
import { DEPLOY_WORKFLOW, type LocalIssuer, localIssuer, REPO, ROLLBACK_WORKFLOW } from "../../test/support/oidc";
import { type Stack, startStack } from "../../test/support/stack";

const VIEW = "view-token-for-the-roles-test";
const FAST = { thresholds: { probeIntervalMs: 150, minSamples: 3 }, autoPromote: false };

let stack: Stack;
let issuer: LocalIssuer;

beforeAll(async () => {
  issuer = await localIssuer();
  stack = await startStack({
    vars: {
      VIEW_TOKEN: VIEW,
      ...issuer.vars(),
      // By name; OIDC_ENVIRONMENTS and OIDC_WORKFLOWS unset: not checked.
      OIDC_REPOSITORIES: REPO,
      OIDC_OPERATOR_WORKFLOWS: ROLLBACK_WORKFLOW,
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await issuer?.close();
});

type Answer<T> = { status: number; json: T };

/** A caller with one bearer token. */
const as = (token: string) => ({
  async call<T = { error: { code: string; message: string } }>(method: string, path: string, body?: unknown) {
    const res = await fetch(`${stack.worker.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as T } satisfies Answer<T>;
  },
  async role() {
    return (await this.call<Session>("GET", "/api/session")).json.role;
  },
});

const push = (claims: Record<string, unknown> = {}) => issuer.sign({ environment: undefined, ...claims });
const dispatch = (workflow: string, claims: Record<string, unknown> = {}) =>
  issuer.sign({ event_name: "workflow_dispatch", job_workflow_ref: workflow, environment: undefined, ...claims });

describe("roles", () => {
  test("GET /api/session names the role: tokens by kind, OIDC runs by policy", async () => {
    expect(await as(stack.token).role()).toBe("operator");
    expect(await as(VIEW).role()).toBe("viewer");
    // OIDC_ENVIRONMENTS is unset: a token without an environment claim passes.
    expect(await as(await push()).role()).toBe("deployer");
    expect(await as(await dispatch(DEPLOY_WORKFLOW)).role()).toBe("deployer");
    // Operator only for a hand-started run of an OIDC_OPERATOR_WORKFLOWS workflow, never for a push.
    expect(await as(await dispatch(ROLLBACK_WORKFLOW)).role()).toBe("operator");
    expect(await as(await push({ job_workflow_ref: ROLLBACK_WORKFLOW })).role()).toBe("deployer");
  });

  test("a viewer reads everything and changes nothing: 403, not 401", async () => {
    const viewer = as(VIEW);
    const before = (await viewer.call<State>("GET", "/api/state")).json;
    expect(before.active).toBe("blue");
    expect((await viewer.call("GET", "/api/deployments/nope")).status).toBe(404);
    const events = await fetch(`${stack.worker.url}/api/events`, { headers: { authorization: `Bearer ${VIEW}` } });
    expect(events.status).toBe(200);
    expect(events.headers.get("content-type")).toMatch(/^text\/event-stream/);
    await events.body?.cancel();
    for (const [method, path, body] of [
      ["POST", "/api/deployments", { version: "v2" }],
      ["POST", "/api/deployments/x/promote", undefined],
      ["POST", "/api/deployments/x/abort", undefined],
      ["POST", "/api/rollback", { reason: "viewer" }],
      ["GET", "/api/audit", undefined],
    ] as const) {
      const res = await viewer.call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.error.code).toBe("forbidden");
      expect(res.json.error.message).toMatch(/needs the (deployer|operator) role.*have viewer/);
    }
    const after = (await viewer.call<State>("GET", "/api/state")).json;
    expect(after.epoch).toBe(before.epoch);
    expect(after.deployment).toBeNull();
  });

  test("a deployer starts a deployment and may abort only its own; promote, rollback and audit are 403", async () => {
    stack.platforms.green.setVersion("v2");
    const run = as(await push({ run_id: "1001" }));
    const otherRun = as(await push({ run_id: "1002" }));
    const started = await run.call<Deployment>("POST", "/api/deployments", { version: "v2", ...FAST });
    expect(started.status).toBe(201);
    expect(started.json.actor).toBe(`${REPO} run 1001 (repo:${REPO}:ref:refs/heads/main)`);
    const id = started.json.id;
    for (const [caller, method, path] of [
      [run, "POST", `/api/deployments/${id}/promote`],
      [run, "POST", "/api/rollback"],
      [run, "GET", "/api/audit"],
      [otherRun, "POST", `/api/deployments/${id}/abort`],
    ] as const) {
      const res = await caller.call(method, path, method === "POST" ? {} : undefined);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.error.message).toMatch(/operator role/);
    }
    const aborted = await run.call<Deployment>("POST", `/api/deployments/${id}/abort`);
    expect(aborted.status).toBe(200);
    expect(aborted.json.status).toBe("aborted");
    expect(aborted.json.reason).toContain("run 1001");
  });

  test("a deployer may not abort what the control token started", async () => {
    stack.platforms.green.setVersion("v3");
    let started = await stack.control.deploy({ version: "v3", ...FAST });
    // The last deployment's color may still be draining (DRAIN_SECONDS=1).
    for (let i = 0; started.status === 409 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      started = await stack.control.deploy({ version: "v3", ...FAST });
    }
    expect(started.status).toBe(201);
    const res = await as(await push({ run_id: "1001" })).call("POST", `/api/deployments/${started.json.id}/abort`);
    expect(res.status).toBe(403);
    expect((await stack.control.call("POST", `/api/deployments/${started.json.id}/abort`)).status).toBe(200);
  });

  test("an operator run (the rollback workflow, started by hand) rolls back", async () => {
    const operator = as(await dispatch(ROLLBACK_WORKFLOW, { run_id: "2001" }));
    const res = await operator.call<{ to: string }>("POST", "/api/rollback", { reason: "drill", force: true });
    expect(res.status).toBe(200);
    expect(res.json.to).toBe("green");
    expect((await operator.call("GET", "/api/audit")).status).toBe(200);
  });

  test("the preview header needs a deployer: a viewer gets 403, a deployer is served by the color it names", async () => {
    const preview = (token: string) =>
      fetch(`${stack.worker.url}/ingest`, {
        method: "POST",
        headers: { "x-deploy-color": "blue", authorization: `Bearer ${token}`, "content-type": "application/x-ndjson" },
        body: '{"msg":"preview"}\n',
      });
    const viewer = await preview(VIEW);
    expect(viewer.status).toBe(403);
    expect(((await viewer.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    const deployer = await preview(await push());
    expect(deployer.status).toBe(200);
    expect(deployer.headers.get("x-served-by")).toBe("blue");
  });
});
