import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import {
  ApiError,
  AuditLog,
  Deployment,
  type DeploymentRequest,
  type RollbackRequest,
  RollbackResult,
  State,
} from "../shared";

const REQUEST_TIMEOUT_MS = 30_000;
const GET_ATTEMPTS = 3;

/** A control API call that failed; `status` is null when no HTTP answer came back. */
export class ControlApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Supplies the bearer token per request (a GitHub OIDC token expires during long runs). */
export type TokenSource = () => Promise<string>;

/** The Worker's control API (/api/*), every response checked against the shared schemas. */
export class ControlClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: TokenSource,
    /** sent with every call (the run the calls come from, for the Worker's audit log). */
    private readonly extraHeaders: Record<string, string> = {},
    /** what a 401 tells the user to check: where this tool takes its credentials from. */
    private readonly credentialHint = "",
  ) {}

  state(): Promise<State> {
    return this.get("/api/state", State);
  }

  audit(limit: number): Promise<AuditLog> {
    return this.get(`/api/audit?limit=${limit}`, AuditLog);
  }

  deployment(id: string): Promise<Deployment> {
    return this.get(`/api/deployments/${encodeURIComponent(id)}`, Deployment);
  }

  startDeployment(req: DeploymentRequest): Promise<Deployment> {
    return this.call("POST", "/api/deployments", Deployment, req);
  }

  promote(id: string): Promise<Deployment> {
    return this.call("POST", `/api/deployments/${encodeURIComponent(id)}/promote`, Deployment);
  }

  abort(id: string): Promise<Deployment> {
    return this.call("POST", `/api/deployments/${encodeURIComponent(id)}/abort`, Deployment);
  }

  rollback(req: RollbackRequest): Promise<RollbackResult> {
    return this.call("POST", "/api/rollback", RollbackResult, req);
  }

  /** Opens GET /api/events; the body is the server-sent-event stream. */
  async events(signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const res = await this.send("GET", "/api/events", undefined, signal, { accept: "text/event-stream" });
    const type = res.headers.get("content-type") ?? "";
    if (!res.ok || !res.body || !type.startsWith("text/event-stream")) {
      throw await this.failure("GET", "/api/events", res);
    }
    return res.body;
  }

  /** GETs are safe to repeat: a network blip or a 5xx is retried a couple of times. */
  private async get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call("GET", path, schema);
      } catch (e) {
        const transient = e instanceof ControlApiError && (e.status === null || e.status >= 500);
        if (!transient || attempt >= GET_ATTEMPTS) throw e;
        await sleep(1000 * attempt);
      }
    }
  }

  private async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const res = await this.send(method, path, body, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    if (!res.ok) throw await this.failure(method, path, res);
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      throw new ControlApiError(
        `unexpected answer from the Worker to ${method} ${path} (is it the same version as the action?): ${parsed.error.issues[0]?.message}`,
        res.status,
        "bad_response",
      );
    }
    return parsed.data;
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const init: RequestInit = {
      method,
      signal,
      headers: {
        ...this.extraHeaders,
        authorization: `Bearer ${await this.token()}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    try {
      return await fetch(`${this.baseUrl}${path}`, init);
    } catch (e) {
      const err = e as Error & { cause?: { message?: string } };
      if (err.name === "TimeoutError") {
        throw new ControlApiError(
          `the Worker did not answer ${method} ${path} within ${REQUEST_TIMEOUT_MS / 1000} s`,
          null,
          "timeout",
        );
      }
      if (err.name === "AbortError") throw e;
      throw new ControlApiError(
        `cannot reach the Worker at ${this.baseUrl}: ${err.cause?.message ?? err.message}`,
        null,
        "unreachable",
      );
    }
  }

  private async failure(method: string, path: string, res: Response): Promise<ControlApiError> {
    const text = await res.text().catch(() => "");
    let parsed: ApiError | null = null;
    try {
      parsed = ApiError.parse(JSON.parse(text));
    } catch {
      // not the Worker's error shape (a proxy's page, an old Worker): report the status alone
    }
    const code = parsed?.error.code ?? `http_${res.status}`;
    const detail = parsed?.error.message ?? `${res.status} ${res.statusText}`.trim();
    const call = `${method} ${path}`;
    if (res.status === 401) {
      return new ControlApiError(
        `the Worker rejected the credentials for ${call} (401: ${detail}).${this.credentialHint && ` ${this.credentialHint}`}`,
        401,
        code,
      );
    }
    return new ControlApiError(`the Worker refused ${call} (${res.status} ${code}): ${detail}`, res.status, code);
  }
}
