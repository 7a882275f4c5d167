import type { LocationCache } from "../../../worker/flag/fast";

interface Entry {
  body: string;
  headers: Array<[string, string]>;
  expiresAt: number;
}

/**
 * A simulated location's Cache API, in memory: an entry is kept for its `cache-control: max-age`, as the
 * real one keeps it at most. The scale simulation uses it because workerd serves every `caches.open` of
 * the local Worker from one process over loopback (about 2 ms an operation here): a thousand isolates
 * refreshing once a second saturated this machine on cache calls alone, where production has one cache
 * per location. Tests of the fast path itself (fast-path*.test.ts) keep the real Cache API.
 */
export class MemoryLocationCache implements LocationCache {
  private readonly entries = new Map<string, Entry>();

  async match(request: RequestInfo | URL): Promise<Response | undefined> {
    const key = String(request instanceof Request ? request.url : request);
    const e = this.entries.get(key);
    if (!e || Date.now() >= e.expiresAt) return undefined;
    return new Response(e.body, { headers: e.headers });
  }

  async put(request: RequestInfo | URL, response: Response): Promise<void> {
    const key = String(request instanceof Request ? request.url : request);
    const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get("cache-control") ?? "")?.[1] ?? 0);
    const body = await response.text();
    if (maxAge > 0)
      this.entries.set(key, { body, headers: [...response.headers], expiresAt: Date.now() + maxAge * 1000 });
  }
}
