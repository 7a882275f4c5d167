const CONTROL_PREFIXES = ["/api", "/dashboard", "/healthz"];

/**
 * Whether a request must go through Hono: its path starts like one of the Worker's own (`/api`, `/dashboard`,
 * `/healthz`), or has %-escapes (Hono decodes them before matching). Everything else is log traffic for the
 * router; a path Hono gets but does not match still reaches the router through its catch-all.
 */
export function forHono(url: string): boolean {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return true;
  const query = url.indexOf("?", start);
  const path = query < 0 ? url.slice(start) : url.slice(start, query);
  return path.includes("%") || CONTROL_PREFIXES.some((p) => path.startsWith(p));
}
