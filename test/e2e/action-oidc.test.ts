// The bundled action without a `token`: it asks the runner for a GitHub OIDC token (here a stand-in for
// GitHub's token endpoint, signing with a local key the Worker trusts), and the Worker's claim policy gives
// the run its role. The audit log links every call to the run. Real Worker, origins and `node dist/index.js`.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AuditLog } from "../../shared";
import { type ActionFiles, actionFiles, REPOSITORY, runDist } from "../support/action-env";
import { type Deployer, startDeployer } from "../support/deployer";
import { DEPLOY_WORKFLOW, idTokenEndpoint, type LocalIssuer, localIssuer, ROLLBACK_WORKFLOW } from "../support/oidc";
import { type Stack, startStack } from "../support/stack";

const FAST = {
  // No log traffic in this test: a watch without router requests would wait for a decision.
  thresholds: '{"probeIntervalMs":100,"minSamples":4,"maxP95Ms":5000,"minRouterRequests":0}',
  "watch-seconds": "1",
};
const AUDIENCE = "https://logs.example.com";

let stack: Stack;
let deployer: Deployer;
let files: ActionFiles;
let issuer: LocalIssuer;
let endpoint: Awaited<ReturnType<typeof idTokenEndpoint>>;

beforeAll(async () => {
  issuer = await localIssuer();
  endpoint = await idTokenEndpoint(issuer);
  stack = await startStack({
    drainSeconds: 1,
    vars: {
      ...issuer.vars(),
      OIDC_AUDIENCE: AUDIENCE,
      // The minimal policy for the example workflows (docs/access-and-audit.md).
      OIDC_REPOSITORIES: REPOSITORY,
      OIDC_ENVIRONMENTS: "production",
      OIDC_WORKFLOWS: `${DEPLOY_WORKFLOW},${ROLLBACK_WORKFLOW}`,
      OIDC_OPERATOR_WORKFLOWS: ROLLBACK_WORKFLOW,
    },
  });
  deployer = await startDeployer(stack, {});
  files = await actionFiles();
  Object.assign(files.env, endpoint.env);
}, 120_000);

afterAll(async () => {
  await deployer?.close();
  await stack?.stop();
  await files?.cleanup();
  await endpoint?.close();
  await issuer?.close();
});

const run = (inputs: Record<string, string>) =>
  runDist(files, { "worker-url": stack.worker.url, "oidc-audience": AUDIENCE, "github-token": "", ...inputs });

async function audit(): Promise<AuditLog> {
  const res = await stack.control.call("GET", "/api/audit?limit=500");
  return AuditLog.parse(res.json);
}

describe.sequential("the bundled action with GitHub OIDC", () => {
  test("a push run of the deploy workflow deploys as a deployer; the audit names the run from its claims", async () => {
    endpoint.state.claims = { run_id: "31337", run_attempt: "2" };
    const r = await run({ version: "v2", "deploy-command": deployer.command, ...FAST });
    expect(r.code, r.log).toBe(0);
    expect(r.outputs).toMatchObject({ result: "succeeded", "active-color": "green" });
    expect(endpoint.issued()).toBeGreaterThanOrEqual(1);
    const started = (await audit()).entries.find((e) => e.call === "POST /api/deployments");
    expect(started).toMatchObject({
      principal: { kind: "oidc", repository: REPOSITORY, workflow: DEPLOY_WORKFLOW, runId: "31337", runAttempt: "2" },
      role: "deployer",
      status: 201,
      target: r.outputs["deployment-id"],
    });
  });

  test("the same push run may not roll back: 403, the job fails and traffic stays", async () => {
    const r = await run({ command: "rollback", reason: "from a push" });
    expect(r.code, r.log).toBe(1);
    expect(r.log).toMatch(/403.*rollback needs the operator role; these credentials have deployer/);
    expect((await stack.control.state()).active).toBe("green");
  });

  test("a hand-started run of the rollback workflow is an operator and rolls back", async () => {
    endpoint.state.claims = { event_name: "workflow_dispatch", job_workflow_ref: ROLLBACK_WORKFLOW, run_id: "31338" };
    const r = await run({ command: "rollback", reason: "drill" });
    expect(r.code, r.log).toBe(0);
    expect(r.outputs).toMatchObject({ result: "rolled_back_manually", "active-color": "blue" });
    const rollback = (await audit()).entries.find((e) => e.call === "POST /api/rollback" && e.status === 200);
    expect(rollback).toMatchObject({ role: "operator", principal: { runId: "31338", event: "workflow_dispatch" } });
  });

  test("with the token input, the action says which run it is (x-github-run-id, -attempt, -repository)", async () => {
    const r = await run({ command: "status", token: stack.token });
    expect(r.code, r.log).toBe(0);
    const status = (await audit()).entries.find(
      (e) => e.principal.kind === "control-token" && e.call === "GET /api/state",
    );
    expect(status?.principal).toMatchObject({ runId: "4242", runAttempt: "1", repository: REPOSITORY });
  });
});
