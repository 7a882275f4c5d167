// The audit log in the Durable Object, through the real Worker: one entry per control call with who, role,
// what and the outcome; refused credentials counted by reason; the newest AUDIT_ENTRIES kept; no token stored.
import { afterAll, beforeAll, expect, test } from "vitest";
import { AuditLog, type Deployment } from "../../shared";
import { sleep } from "../../test/support/api";
import { type LocalIssuer, localIssuer, REPO } from "../../test/support/oidc";
import { type Stack, startStack } from "../../test/support/stack";

const VIEW = "view-token-for-the-audit-test";
const CAPACITY = 1000;

let stack: Stack;
let issuer: LocalIssuer;

beforeAll(async () => {
  issuer = await localIssuer();
  stack = await startStack({
    vars: { VIEW_TOKEN: VIEW, ...issuer.vars(), OIDC_REPOSITORIES: REPO, AUDIT_ENTRIES: String(CAPACITY) },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await issuer?.close();
});

const call = (token: string | null, method: string, path: string, opts: { body?: string; headers?: object } = {}) =>
  fetch(`${stack.worker.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers },
    body: opts.body,
  });

async function audit(query = ""): Promise<AuditLog> {
  const res = await call(stack.token, "GET", `/api/audit${query}`);
  expect(res.status).toBe(200);
  return AuditLog.parse(await res.json());
}

test("every control call is an entry: principal, role, call, target, status and the reason of a refusal", async () => {
  const run = { "x-github-run-id": "555", "x-github-run-attempt": "2", "x-github-repository": "acme/ops" };
  expect((await call(stack.token, "GET", "/api/state", { headers: run })).status).toBe(200);
  stack.platforms.green.setVersion("v2");
  const jwt = await issuer.sign({ run_id: "777", run_attempt: "3" });
  const started = await call(jwt, "POST", "/api/deployments", {
    body: JSON.stringify({ version: "v2", autoPromote: false }),
    // The token's claims win over what the caller says.
    headers: { "x-github-run-id": "1", "content-type": "application/json" },
  });
  expect(started.status).toBe(201);
  const id = ((await started.json()) as Deployment).id;
  expect((await call(jwt, "POST", "/api/rollback", { body: "{}" })).status).toBe(403);
  expect((await call(stack.token, "POST", `/api/deployments/${id}/abort`, { body: "{" })).status).toBe(200);
  expect((await call(stack.token, "POST", "/api/rollback", { body: "{" })).status).toBe(400);
  const feature = await issuer.sign({ ref: "refs/heads/feature", run_id: "888" });
  expect((await call(feature, "GET", "/api/state")).status).toBe(401);

  const { entries } = await audit("?limit=6");
  const [refused, badJson, abort, forbidden, deploy, state] = entries;
  expect(state).toMatchObject({
    principal: {
      kind: "control-token",
      subject: "control-token",
      runId: "555",
      runAttempt: "2",
      repository: "acme/ops",
    },
    role: "operator",
    call: "GET /api/state",
    target: null,
    status: 200,
    reason: null,
  });
  expect(deploy).toMatchObject({
    principal: {
      kind: "oidc",
      subject: `repo:${REPO}:ref:refs/heads/main`,
      repository: REPO,
      ref: "refs/heads/main",
      event: "push",
      workflow: `${REPO}/.github/workflows/deploy.yml@refs/heads/main`,
      actor: "octocat",
      runId: "777",
      runAttempt: "3",
    },
    role: "deployer",
    call: "POST /api/deployments",
    target: id,
    status: 201,
  });
  expect(forbidden).toMatchObject({ role: "deployer", call: "POST /api/rollback", status: 403 });
  expect(forbidden?.reason).toMatch(/needs the operator role/);
  expect(abort).toMatchObject({ call: `POST /api/deployments/${id}/abort`, target: id, status: 200 });
  expect(badJson).toMatchObject({ status: 400, reason: "request body is not valid JSON" });
  // A genuine token from the allowed repository that the policy refused: an entry naming the run, no role.
  expect(refused).toMatchObject({ role: null, status: 401, principal: { ref: "refs/heads/feature", runId: "888" } });
  expect(refused?.reason).toMatch(/claim "ref"/);
  expect(entries.map((e) => e.at)).toEqual(
    entries
      .map((e) => e.at)
      .sort()
      .reverse(),
  );
});

test("refused credentials are counted by reason, and no token is stored", async () => {
  const before = (await audit()).refusals;
  const count = (log: AuditLog, reason: string) => (log.refusals[reason]?.count ?? 0) - (before[reason]?.count ?? 0);
  const forged = await issuer.sign({ repository: "evil/fork" });
  const sent = [stack.token, VIEW, forged];
  for (let i = 0; i < 5; i++) await call(null, "GET", "/api/state");
  for (let i = 0; i < 3; i++) await call("not-a-real-token", "POST", "/api/rollback");
  for (let i = 0; i < 2; i++) await call(forged, "GET", "/api/events");
  await call(VIEW, "GET", "/api/state");
  // Counts reach the controller at most once a second per isolate.
  let log = await audit();
  for (let i = 0; i < 50 && count(log, "missing") < 5; i++) {
    await sleep(100);
    log = await audit();
  }
  expect(count(log, "missing")).toBe(5);
  expect(count(log, "invalid_token")).toBe(3);
  expect(count(log, "oidc_repository")).toBe(2);
  // Anonymous refusals and tokens from foreign repositories are counted only: they are not entries.
  expect(log.entries.filter((e) => e.status === 401 && e.principal.repository === "evil/fork")).toEqual([]);
  const text = JSON.stringify(await audit(`?limit=${CAPACITY}`));
  for (const secret of [...sent, "not-a-real-token", ...sent.map((t) => t.split(".")[2] ?? t)]) {
    expect(text).not.toContain(secret);
  }
  expect(text).not.toMatch(/eyJ[\w-]+\./);
});

test(`keeps the newest ${CAPACITY} entries and pages with before`, async () => {
  const calls = CAPACITY + 40;
  for (let i = 0; i < calls; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        call(VIEW, "GET", `/api/deployments/page-${String(i + j).padStart(4, "0")}`),
      ),
    );
  }
  const log = await audit(`?limit=${CAPACITY + 500}`);
  expect(log.capacity).toBe(CAPACITY);
  // The audit read itself is recorded after it answers: at most CAPACITY, and the oldest pages are gone.
  expect(log.entries.length).toBe(CAPACITY);
  const pages = log.entries.filter((e) => e.call.startsWith("GET /api/deployments/page-"));
  expect(pages.length).toBe(CAPACITY);
  expect(log.entries.some((e) => e.target === "page-0000")).toBe(false);
  expect(pages[0]).toMatchObject({ principal: { kind: "view-token" }, role: "viewer", status: 404 });
  const ids = log.entries.map((e) => e.id);
  expect(ids).toEqual([...ids].sort((a, b) => b - a));
  const older = await audit(`?limit=5&before=${ids[10]}`);
  expect(older.entries.map((e) => e.id)).toEqual(ids.slice(11, 16));
  expect((await call(stack.token, "GET", "/api/audit?limit=0")).status).toBe(400);
});
