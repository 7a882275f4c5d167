import { type Deployment, isTerminal, type State } from "../../shared";

/** Minimal control-API caller for tests: returns status and parsed JSON. */
export function controlApi(baseUrl: string, token: string) {
  const call = async <T = unknown>(method: string, path: string, body?: unknown, raw?: string) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
  };
  return {
    call,
    state: async () => (await call<State>("GET", "/api/state")).json,
    deploy: (body: Record<string, unknown>) => call<Deployment>("POST", "/api/deployments", body),
    deployment: async (id: string) => (await call<Deployment>("GET", `/api/deployments/${id}`)).json,
    /** Polls until the deployment reaches `status` (or any terminal status when omitted). */
    async waitFor(id: string, status?: Deployment["status"], timeoutMs = 30_000): Promise<Deployment> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const d = (await call<Deployment>("GET", `/api/deployments/${id}`)).json;
        if (status ? d.status === status : isTerminal(d.status)) return d;
        if (isTerminal(d.status) || Date.now() > deadline) {
          throw new Error(`deployment ${id} is ${d.status} (${d.reason}); waited for ${status ?? "a terminal status"}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
