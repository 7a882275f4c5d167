// The router leaves hop-by-hop headers to workerd: its HTTP server hands a client's `connection`, `keep-alive`,
// `transfer-encoding`, `upgrade`, `te` and `host` to the Worker, and its HTTP client sets its own when the
// Worker fetches. Proven here on the deployed bundle in workerd directly (under `wrangler dev` the dev proxy
// would strip them before our Worker, and the test would prove nothing).
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startInWorkerd, type WorkerdWorker } from "../../bench/workerd";
import { bundleWorker } from "../../scripts/worker-bundle";
import { echoOrigin } from "../../test/support/echo-origin";

const ROOT = join(import.meta.dirname, "../..");
let origin: Awaited<ReturnType<typeof echoOrigin>>;
let router: WorkerdWorker;

beforeAll(async () => {
  origin = await echoOrigin("blue");
  const config = join(ROOT, "wrangler.toml");
  const bundle = await bundleWorker(config, join(ROOT, ".tmp/test-hop-headers"));
  const vars = { BLUE_ORIGIN: origin.url, GREEN_ORIGIN: origin.url, CONTROL_TOKEN: randomUUID() };
  router = await startInWorkerd(config, bundle, vars, (url) => fetch(`${url}/ingest`, { method: "POST", body: "{}" }));
});
afterAll(async () => {
  await router?.stop();
  await origin?.close();
});

/** Sends `head` (request line and headers, CRLF-separated) and `body` on a raw socket; resolves with the status line. */
function raw(url: string, head: string, body: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${head}\r\n\r\n${body}`));
    let answer = "";
    socket.on("data", (d) => {
      answer += d;
      if (answer.includes("\r\n\r\n")) {
        socket.destroy();
        resolve(answer.slice(0, answer.indexOf("\r\n")));
      }
    });
    socket.on("error", reject);
  });
}

const CASES = [
  // connection-level options, and a header the client names in `connection` (end-to-end for us: forwarded as before)
  [
    "POST /ingest HTTP/1.1",
    "Host: client.example",
    "Connection: keep-alive, x-listed",
    "Keep-Alive: timeout=99, max=7",
    "X-Listed: kept",
    "Content-Length: 7",
  ],
  ["POST /ingest HTTP/1.1", "Host: client.example", "Transfer-Encoding: chunked", "TE: trailers"],
  ["POST /ingest HTTP/1.1", "Host: client.example", "Connection: Upgrade", "Upgrade: h2c", "Content-Length: 7"],
];
const BODY = '{"n":1}';
const chunked = (head: string[]) => head.some((h) => h.startsWith("Transfer-Encoding"));

test("workerd hands the Worker a client's hop-by-hop headers (so the next test is not vacuous)", async () => {
  const echo = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: "export default { fetch: (r) => Response.json([...r.headers]) }",
      compatibilityDate: "2026-11-01",
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    }) as never,
  );
  try {
    const url = (await echo.unsafeGetDirectURL()).origin;
    const { hostname, port } = new URL(url);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write(`${(CASES[0] as string[]).join("\r\n")}\r\n\r\n${BODY}`),
      );
      let answer = "";
      socket.on("data", (d) => {
        answer += d;
        if (answer.endsWith("]]")) {
          socket.destroy();
          resolve(answer.slice(answer.indexOf("\r\n\r\n") + 4));
        }
      });
      socket.on("error", reject);
    });
    expect(Object.fromEntries(JSON.parse(text.slice(text.indexOf("[")))) as Record<string, string>).toMatchObject({
      host: "client.example",
      connection: "keep-alive, x-listed",
      "keep-alive": "timeout=99, max=7",
    });
  } finally {
    await echo.dispose();
  }
});

test("the origin never sees a client's host, connection, keep-alive, transfer-encoding, te or upgrade", async () => {
  for (const head of CASES) {
    const before = origin.seen.length;
    const body = chunked(head) ? `${BODY.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n` : BODY;
    expect(await raw(router.url, head.join("\r\n"), body)).toBe("HTTP/1.1 200 OK");
    expect(origin.seen.length).toBe(before + 1);
    const seen = origin.seen.at(-1);
    expect(seen?.body).toBe(BODY);
    const h = seen?.headers ?? {};
    expect({
      host: h.host,
      ...Object.fromEntries(["keep-alive", "transfer-encoding", "te", "upgrade"].map((k) => [k, h[k]])),
    }).toEqual({
      host: new URL(origin.url).host,
      "keep-alive": undefined,
      "transfer-encoding": undefined,
      te: undefined,
      upgrade: undefined,
    });
    // workerd's client may say `keep-alive` or `close` itself, never what the client asked.
    expect(h.connection ?? "keep-alive").toMatch(/^(keep-alive|close)$/i);
    if (head[2]?.includes("x-listed")) expect(h["x-listed"]).toBe("kept");
  }
});
