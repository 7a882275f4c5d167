// The fastest honest origin: reads the whole body, answers 200. Run as its own process (bench/origin.ts)
// so it does not share an event loop with the load generator.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const server = createServer((req, res) => {
  let bytes = 0;
  req.on("data", (c: Buffer) => {
    bytes += c.length;
  });
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(`{"accepted":true,"bytes":${bytes}}`);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => process.exit(0));
