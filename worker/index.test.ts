// The Worker's split between its own routes (Hono) and log traffic (the router), through wrangler dev: log
// traffic skips Hono, so this pins down which paths stay the Worker's own, whichever way they are spelled.
import { afterAll, beforeAll, expect, test } from "vitest";
import { echoOrigin } from "../test/support/echo-origin";
import { startWorker, type WorkerHandle } from "../test/support/worker";

let blue: Awaited<ReturnType<typeof echoOrigin>>;
let worker: WorkerHandle;

beforeAll(async () => {
  blue = await echoOrigin("blue");
  worker = await startWorker({
    vars: { BLUE_ORIGIN: blue.url, GREEN_ORIGIN: blue.url, CONTROL_TOKEN: "index-test-token" },
  });
});
afterAll(async () => {
  await worker?.stop();
  await blue?.close();
});

/** Sends one request; reports whether the origin saw it (the controller's health probes aside) and the answer. */
async function send(path: string, method = "GET") {
  const before = blue.seen.length;
  const res = await fetch(`${worker.url}${path}`, { method, body: method === "GET" ? undefined : "{}\n" });
  await res.text();
  const proxied = blue.seen.slice(before).some((s) => s.url === path && s.method === method);
  return { proxied, status: res.status, servedBy: res.headers.get("x-served-by") };
}

test("the Worker's own paths never reach an origin, escaped or not", async () => {
  for (const path of ["/api", "/api/state", "/api/nope", "/%61pi/state"]) {
    const r = await send(path);
    expect({ path, proxied: r.proxied, status: r.status }).toEqual({ path, proxied: false, status: 401 });
  }
  expect(await send("/healthz")).toMatchObject({ proxied: false, status: 200 });
  expect(await send("/dashboard")).toMatchObject({ proxied: false, status: 200 });
  expect(await send("/dash%62oard")).toMatchObject({ proxied: false, status: 200 });
});

test("everything else is log traffic, including look-alikes of the Worker's paths", async () => {
  for (const [path, method] of [
    ["/ingest", "POST"],
    ["/v1/logs?x=%20", "POST"],
    ["/apix", "GET"],
    ["/API/state", "GET"],
    ["/healthzz", "GET"],
    ["/healthz", "POST"],
    ["/ingest%20batch", "POST"],
    // An escaped slash stays escaped when Hono matches, so this is not under /api/.
    ["/api%2Fstate", "GET"],
  ] as const) {
    const r = await send(path, method);
    expect({ path, method, proxied: r.proxied, servedBy: r.servedBy }).toEqual({
      path,
      method,
      proxied: true,
      servedBy: "blue",
    });
  }
});
