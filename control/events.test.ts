import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Stack, startStack } from "../test/support/stack";
import { ControlClient } from "./client";
import { followDeployment, readSse } from "./events";
import type { CommandOutput } from "./log";

const noGroup = <T>(_: string, body: (out: CommandOutput) => Promise<T>) =>
  body({ stdout: process.stdout, stderr: process.stderr });

const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(ctl) {
      for (const c of chunks) ctl.enqueue(new TextEncoder().encode(c));
      ctl.close();
    },
  });

describe("readSse", () => {
  test("parses events split across chunks, CRLF, multi-line data, comments", async () => {
    const body = streamOf(": keep-alive\n\nevent: st", 'ate\r\ndata: {"a":\r\ndata: 1}\r\n\r\n', "data: plain\n\n");
    const events = [];
    for await (const e of readSse(body)) events.push(e);
    expect(events).toEqual([
      { event: "state", data: '{"a":\n1}' },
      { event: "message", data: "plain" },
    ]);
  });
});

/**
 * A faulty middlebox in front of the real Worker: it proxies everything, except that GET /api/events
 * is refused (503) or cut after its first chunk, as some proxies do to long-lived responses.
 */
async function flakyProxy(upstream: string, mode: { events: "refuse" | "drop" }): Promise<Server> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.url === "/api/events" && mode.events === "refuse") return res.writeHead(503).end("busy");
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === "string" && e[0] !== "host"),
    );
    const up = await fetch(`${upstream}${req.url}`, {
      method: req.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    // fetch already decoded the body: its encoding and length headers no longer apply.
    const upHeaders = [...up.headers].filter(([k]) => k !== "content-encoding" && k !== "content-length");
    res.writeHead(up.status, Object.fromEntries(upHeaders));
    if (req.url === "/api/events") {
      const reader = (up.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      res.write(first.value ?? "");
      await reader.cancel();
      return res.destroy();
    }
    res.end(Buffer.from(await up.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

describe("followDeployment against the real Worker", () => {
  let stack: Stack;
  let proxy: Server;
  const mode: { events: "refuse" | "drop" } = { events: "refuse" };

  beforeAll(async () => {
    // No drain period: deployments here go back and forth between the colors at once.
    stack = await startStack({ drainSeconds: 0 });
    proxy = await flakyProxy(stack.worker.url, mode);
  });
  afterAll(async () => {
    proxy?.closeAllConnections();
    proxy?.close();
    await stack?.stop();
  });

  test.each(["refuse", "drop"] as const)("events stream faulty (%s): falls back to polling", async (events) => {
    mode.events = events;
    const lines: string[] = [];
    const log = { info: (l: string) => lines.push(l), notice: () => {}, warning: () => {}, group: noGroup };
    const { port } = proxy.address() as AddressInfo;
    const client = new ControlClient(`http://127.0.0.1:${port}`, async () => stack.token);
    // Both colors run v1, so validating v1 on the idle one passes.
    const started = await client.startDeployment({
      version: "v1",
      watchSeconds: 1,
      // No log traffic here: without minRouterRequests 0 the watch would wait for a decision (onInconclusive).
      thresholds: { probeIntervalMs: 100, minSamples: 4, maxP95Ms: 5000, minRouterRequests: 0 },
    });
    const seen: string[] = [];
    const followed = await followDeployment(client, started, {
      deadline: Date.now() + 60_000,
      onUpdate: (d) => seen.push(d.status),
      log,
    });

    expect(followed).toMatchObject({ done: true, deployment: { id: started.id, status: "succeeded" } });
    expect(seen.at(-1)).toBe("succeeded");
    expect(lines.join("\n")).toContain("polling instead");
  });
});
