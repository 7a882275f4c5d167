// Every answer of the control API and the dashboard, errors included, carries the security headers, and no
// answer ever contains a credential: the control token, the view token or a JWT (walked on the real Worker).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Deployment } from "../../shared/index";
import { type LocalIssuer, localIssuer, REPO } from "../../test/support/oidc";
import { type Stack, startStack } from "../../test/support/stack";

const VIEW = randomUUID();
/** Any JWS compact serialisation (a JWT), whoever signed it. */
const JWT = /eyJ[\w-]{4,}\.[\w-]*\.?[\w-]*/;

let stack: Stack;
let issuer: LocalIssuer;
const credentials: Record<string, string | null> = {};

beforeAll(async () => {
  issuer = await localIssuer();
  stack = await startStack({ vars: { VIEW_TOKEN: VIEW, ...issuer.vars(), OIDC_REPOSITORIES: REPO } });
  Object.assign(credentials, {
    none: null,
    control: stack.token,
    view: VIEW,
    wrongToken: `${stack.token}-but-wrong`,
    deployer: await issuer.sign(),
    refusedByPolicy: await issuer.sign({ ref: "refs/heads/feature" }),
    foreignRepository: await issuer.sign({ repository: "evil/fork" }),
    wrongAudience: await issuer.sign({}, { audience: "other" }),
    garbage: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await issuer?.close();
});

/** The whole answer as text: status line, headers and body (an event stream: its first event). */
async function answer(res: Response): Promise<string> {
  let body = "";
  if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
    const reader = res.body?.getReader();
    const first = await reader?.read();
    body = new TextDecoder().decode(first?.value);
    await reader?.cancel();
  } else {
    body = await res.text();
  }
  return `${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${body}`;
}

function expectNoCredential(text: string, where: string) {
  for (const [name, value] of Object.entries(credentials)) {
    if (!value) continue;
    // Not even a piece of it: its first or last characters, or a JWT's signature.
    for (const piece of [value, value.slice(0, 10), value.slice(-10), value.split(".")[2]]) {
      if (piece) expect(text, `${where} contains (part of) the ${name} credential`).not.toContain(piece);
    }
  }
  expect(text, `${where} contains a JWT`).not.toMatch(JWT);
}

test("every control API answer, for every kind of caller, has the headers and no credential", async () => {
  stack.platforms.green.setVersion("v2");
  const started = await stack.control.deploy({ version: "v2", autoPromote: false });
  expect(started.status).toBe(201);
  const id = (started.json as Deployment).id;
  const calls: [string, string, string?][] = [
    ["GET", "/api/session"],
    ["GET", "/api/state"],
    ["GET", "/api/events"],
    ["GET", `/api/deployments/${id}`],
    ["GET", "/api/deployments/unknown"],
    ["POST", "/api/deployments", '{"version":"v9"}'],
    ["POST", "/api/deployments", "{not json"],
    ["POST", "/api/deployments", '{"version":""}'],
    ["POST", "/api/deployments", JSON.stringify({ version: "x".repeat(70_000) })],
    ["POST", "/api/deployments/unknown/promote"],
    ["POST", `/api/deployments/${id}/promote`],
    ["POST", "/api/rollback", '{"reason":"walk"}'],
    ["GET", "/api/audit?limit=nope"],
    ["GET", "/api/audit?limit=2000"],
    ["GET", "/api/rollback"],
    ["DELETE", "/api/state"],
    ["GET", "/api/no-such-route"],
    ["POST", `/api/deployments/${id}/abort`],
  ];
  const statuses = new Set<number>();
  for (const [who, token] of Object.entries(credentials)) {
    for (const [method, path, body] of calls) {
      const res = await fetch(`${stack.worker.url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" },
        body,
      });
      const where = `${who}: ${method} ${path} (${res.status})`;
      statuses.add(res.status);
      expect(res.headers.get("cache-control"), where).toMatch(/no-store/);
      expect(res.headers.get("x-content-type-options"), where).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), where).toBe("no-referrer");
      expect(res.headers.get("content-security-policy"), where).toMatch(/default-src 'none'/);
      expectNoCredential(await answer(res), where);
    }
  }
  // The walk went through the success and every error path.
  expect([...statuses].sort()).toEqual([200, 201, 400, 401, 403, 404, 409, 413].sort());
});

test("the dashboard, the preview path and /healthz never carry a credential either", async () => {
  for (const [who, token] of Object.entries(credentials)) {
    for (const [path, headers] of [
      ["/dashboard", {}],
      ["/dashboard/static/js/main.js", {}],
      ["/dashboard/nope", {}],
      ["/healthz", {}],
      ["/ingest", { "x-deploy-color": "green" }],
      ["/ingest", { "x-deploy-color": "purple" }],
    ] as const) {
      const res = await fetch(`${stack.worker.url}${path}`, {
        method: path === "/ingest" ? "POST" : "GET",
        headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: path === "/ingest" ? '{"msg":"walk"}\n' : undefined,
      });
      const where = `${who}: ${path} (${res.status})`;
      if (path.startsWith("/dashboard")) {
        expect(res.headers.get("x-content-type-options"), where).toBe("nosniff");
        expect(res.headers.get("referrer-policy"), where).toBe("no-referrer");
      }
      expectNoCredential(await answer(res), where);
    }
  }
  const page = await fetch(`${stack.worker.url}/dashboard`);
  expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'.*script-src 'self'/);
});
