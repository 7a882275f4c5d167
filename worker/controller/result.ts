/** What a controller command answers: a value, or a 4xx the API passes on as `{error:{code,message}}`. */
export type Result<T> = { ok: true; value: T } | { ok: false; status: 400 | 404 | 409; code: string; message: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = <T>(status: 400 | 404 | 409, code: string, message: string): Result<T> => ({
  ok: false,
  status,
  code,
  message,
});
