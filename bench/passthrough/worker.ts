// The benchmark's baseline: the least a Worker in front of the origin can do (one fetch, body streamed).
// Measured beside the edge router so its cost is told apart from workerd's own.
interface Env {
  ORIGIN: string;
}

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    // Its own liveness, as the router has: the harness waits for it, whatever the origin serves.
    if (url.pathname === "/healthz") return Promise.resolve(Response.json({ ok: true }));
    return fetch(new Request(`${env.ORIGIN}${url.pathname}${url.search}`, request));
  },
};
