import { connect, createServer, type Socket } from "node:net";

export interface TcpProxy {
  url: string;
  /** Down: open connections are cut and new ones refused, like a network outage between browser and edge. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/** A loopback TCP relay to `targetPort`, so a test can cut a client's connections without touching the server. */
export function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const server = createServer((client) => {
    if (down) return client.destroy();
    const upstream = connect(targetPort, "127.0.0.1");
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        setDown: (value) => {
          down = value;
          if (down) for (const s of sockets) s.destroy();
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
