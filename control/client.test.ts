import { createServer } from "node:net";
import { expect, test } from "vitest";
import { freePort } from "../test/support/ports";
import { ControlClient } from "./client";

test("an unreachable Worker: GETs are retried, then the error names the URL and the cause", async () => {
  const url = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  const client = new ControlClient(url, async () => "t");
  await expect(client.state()).rejects.toMatchObject({
    status: null,
    code: "unreachable",
    message: expect.stringMatching(new RegExp(`^cannot reach the Worker at ${url}: .*ECONNREFUSED`)),
  });
});

test("a connection cut mid-answer is reported as unreachable, not as a bad response", async () => {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  try {
    const client = new ControlClient(`http://127.0.0.1:${port}`, async () => "t");
    await expect(client.rollback({})).rejects.toMatchObject({ status: null, code: "unreachable" });
  } finally {
    server.close();
  }
});
