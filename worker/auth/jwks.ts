import { createLocalJWKSet, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from "jose";

/** Keys older than this are refetched (when the cooldown allows); GitHub rotates rarely and lists old keys a while. */
const MAX_AGE_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 5000;
const POLL_MS = 20;

/** The JWKS could not be fetched and no keys are known: the token can't be judged (503, not 401). */
export class JwksUnavailable extends Error {}

type Local = ReturnType<typeof createLocalJWKSet>;

/**
 * One JWKS URL's signing keys in this isolate. Fetches happen at most once per `cooldownMs`, whatever the
 * tokens claim: a stream of forged `kid`s costs at most one fetch per cooldown. jose's remote set does not
 * do that on Workers (it refetches after every failed fetch, and each concurrent request fetches), and a
 * request here must not await a fetch another request started (panva/jose#355): a concurrent caller polls
 * until the fetch under way ends instead.
 */
export class KeySet {
  private local: Local | null = null;
  private fetchedAt = 0;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private fetching = false;

  constructor(
    private readonly url: string,
    private readonly cooldownMs: number,
  ) {}

  /** A jose key getter (`jwtVerify(token, keys.get, …)`). */
  readonly get = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (!this.local || Date.now() - this.fetchedAt > MAX_AGE_MS) await this.refresh();
    if (!this.local) throw new JwksUnavailable("the OIDC signing keys (OIDC_JWKS_URL) could not be fetched");
    try {
      return await this.local(header, token);
    } catch (e) {
      // An unknown kid may be a rotated key: look again, if the cooldown allows.
      if (!(e instanceof errors.JWKSNoMatchingKey) || !(await this.refresh())) throw e;
      return this.local(header, token);
    }
  };

  /** Seconds until the next fetch is allowed (for Retry-After). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.attemptedAt + this.cooldownMs - Date.now()) / 1000));
  }

  /** Fetches when allowed, or waits for the fetch under way; true when newer keys came in. */
  private async refresh(): Promise<boolean> {
    const before = this.fetchedAt;
    if (this.fetching && Date.now() - this.attemptedAt < FETCH_TIMEOUT_MS) {
      while (this.fetching && Date.now() - this.attemptedAt < FETCH_TIMEOUT_MS) {
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      return this.fetchedAt > before;
    }
    if (Date.now() - this.attemptedAt < this.cooldownMs) return false;
    this.attemptedAt = Date.now();
    this.fetching = true;
    try {
      const res = await fetch(this.url, {
        headers: { accept: "application/json" },
        redirect: "manual",
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      const set = (await res.json()) as JSONWebKeySet;
      const local = createLocalJWKSet(set);
      this.local = local;
      this.fetchedAt = Date.now();
    } catch (e) {
      console.warn(`OIDC JWKS fetch failed (next try in ${this.cooldownMs / 1000} s):`, (e as Error).message);
    } finally {
      this.fetching = false;
    }
    return this.fetchedAt > before;
  }
}

const sets = new Map<string, KeySet>();

/** The isolate's key set for `url` (one per URL and cooldown). */
export function keySet(url: string, cooldownMs: number): KeySet {
  const id = `${cooldownMs} ${url}`;
  let set = sets.get(id);
  if (!set) {
    set = new KeySet(url, cooldownMs);
    sets.set(id, set);
  }
  return set;
}
