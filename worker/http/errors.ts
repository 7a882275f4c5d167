import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Every 4xx/5xx of the control API has this shape: {error:{code,message}}. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

export const errorResponse = (c: Context, e: HttpError) => c.json(errorBody(e.code, e.message), e.status);
