const CONTROL_PREFIXES = ["/api", "/dashboard", "/healthz"];

/**
 * Where the path starts in a request's absolute URL (`request.url`, already normalised by the runtime), or
 * -1. Slicing it is cheaper per request than `new URL` (bench/notes.md).
 */
export const pathStart = (url: string): number => url.indexOf("/", url.indexOf("//") + 2);

/** The path of a request's absolute URL, without the query. */
export function pathOf(url: string, start = pathStart(url)): string {
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}

/**
 * Path and query of a request's absolute URL, as `pathname + search` of `new URL(url)` would give them: an
 * empty query (a lone `?`) and a fragment are dropped.
 */
export function pathAndQuery(url: string): string {
  const start = pathStart(url);
  if (start < 0) return "/";
  const hash = url.indexOf("#", start);
  const end = hash < 0 ? url.length : hash;
  return url.charCodeAt(end - 1) === 63 /* ? */ && url.indexOf("?", start) === end - 1
    ? url.slice(start, end - 1)
    : url.slice(start, end);
}

/**
 * Whether a request must go through Hono: its path starts like one of the Worker's own (`/api`, `/dashboard`,
 * `/healthz`), or has %-escapes (Hono decodes them before matching). Everything else is log traffic for the
 * router; a path Hono gets but does not match still reaches the router through its catch-all.
 */
export function forHono(url: string): boolean {
  const start = pathStart(url);
  if (start < 0) return true;
  const path = pathOf(url, start);
  return path.includes("%") || CONTROL_PREFIXES.some((p) => path.startsWith(p));
}

/** Each origin as `scheme://host[:port][/prefix]`, parsed once per isolate (a handful: they come from config). */
const bases = new Map<string, string>();

/** The URL on `origin` (which may carry a path prefix) for `target`, a request's path and query. */
export function targetUrl(origin: string, target: string): string {
  let base = bases.get(origin);
  if (base === undefined) {
    const u = new URL(origin);
    base = `${u.origin}${u.pathname.replace(/\/$/, "")}`;
    bases.set(origin, base);
  }
  return base + target;
}
