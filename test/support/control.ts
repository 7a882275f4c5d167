import type { z } from "zod";
import {
  ApiError,
  Deployment,
  type DeploymentRequest,
  isTerminal,
  type RollbackRequest,
  RollbackResult,
  State,
} from "../../shared";

/** A non-2xx answer of the control API, with its `{error:{code,message}}`. */
export class ControlApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

/** Test-side client of the control API (/api/*), answers parsed with the shared schemas. */
export class ControlClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  state(): Promise<State> {
    return this.call("GET", "/api/state", State);
  }

  deploy(req: DeploymentRequest): Promise<Deployment> {
    return this.call("POST", "/api/deployments", Deployment, req);
  }

  /** Like deploy, but waits out `409 color_draining` (the idle color lost traffic less than drainSeconds ago). */
  async deployWhenDrained(req: DeploymentRequest, timeoutMs = 30_000): Promise<Deployment> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await this.deploy(req);
      } catch (e) {
        if (!(e instanceof ControlApiError && e.code === "color_draining") || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  deployment(id: string): Promise<Deployment> {
    return this.call("GET", `/api/deployments/${encodeURIComponent(id)}`, Deployment);
  }

  /** Polls the deployment until it reaches a terminal status. */
  async waitForDeployment(id: string, timeoutMs = 60_000): Promise<Deployment> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.deployment(id);
      if (isTerminal(d.status)) return d;
      if (Date.now() > deadline) throw new Error(`deployment ${id} still ${d.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  rollback(req: RollbackRequest = {}): Promise<RollbackResult> {
    return this.call("POST", "/api/rollback", RollbackResult, req);
  }

  private async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const err = ApiError.safeParse(json);
      throw err.success
        ? new ControlApiError(res.status, err.data.error.code, err.data.error.message)
        : new ControlApiError(res.status, "unknown", JSON.stringify(json));
    }
    return schema.parse(json);
  }
}
