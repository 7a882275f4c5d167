import { createServer } from "node:net";

// Ports are drawn below Linux's ephemeral range (32768–60999 by default): a port the OS picked for us,
// released and then handed to `wrangler dev`, could meanwhile be taken by any of the tests' many outgoing
// connections, which draw their local ports from that range (a clean-clone run failed so: "Address already
// in use (127.0.0.1:43829)").
const LOW = 20_000;
const HIGH = 32_767;

const listenable = (port: number): Promise<boolean> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", (e: NodeJS.ErrnoException) => (e.code === "EADDRINUSE" ? resolve(false) : reject(e)));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });

/** A port free on loopback right now: `preferred` when it is free, else a random one outside the ephemeral range. */
export async function freePort(preferred = 0): Promise<number> {
  if (preferred && (await listenable(preferred))) return preferred;
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (await listenable(port)) return port;
  }
}
