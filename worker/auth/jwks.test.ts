// GitHub's signing keys are fetched at most once per cooldown, whatever the tokens claim: counted on a local
// JWKS endpoint the real Worker (workerd) fetches from.
import { generateKeyPair } from "jose";
import { afterAll, beforeAll, expect, test } from "vitest";
import { sleep } from "../../test/support/api";
import { type LocalIssuer, oidcWorker, REPO } from "../../test/support/oidc";
import type { WorkerHandle } from "../../test/support/worker";

const COOLDOWN_S = 3;

let worker: WorkerHandle;
let issuer: LocalIssuer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ worker, issuer, stop } = await oidcWorker({
    CONTROL_TOKEN: "jwks-test-control-token",
    OIDC_REPOSITORIES: REPO,
    OIDC_JWKS_COOLDOWN_SECONDS: String(COOLDOWN_S),
  }));
});
afterAll(() => stop?.());

const state = (jwt: string) => fetch(`${worker.url}/api/state`, { headers: { authorization: `Bearer ${jwt}` } });

/** Tokens with made-up key ids, signed by a key nobody published: what an attacker can send. */
async function forged(n: number): Promise<string[]> {
  const key = (await generateKeyPair("RS256")).privateKey;
  return Promise.all(
    Array.from({ length: n }, (_, i) => issuer.sign({}, { key, kid: `forged-${i}-${Math.random()}` })),
  );
}

/** Cooldowns that ended since `t`: each allows one more fetch (the box is slow; a burst may span one). */
const cooldownsSince = (t: number) => Math.floor((Date.now() - t) / (COOLDOWN_S * 1000));

test("while the JWKS endpoint fails, tokens get 503 with Retry-After and the keys are fetched once per cooldown", async () => {
  issuer.setStatus(500);
  const started = Date.now();
  const token = await issuer.sign();
  const answers: Response[] = [];
  for (let i = 0; i < 10; i++) answers.push(await state(token));
  expect(issuer.fetches()).toBeGreaterThanOrEqual(1);
  expect(issuer.fetches()).toBeLessThanOrEqual(1 + cooldownsSince(started));
  for (const res of answers) {
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unavailable");
  }
  issuer.setStatus(200);
});

test("once the endpoint works again, a burst of forged key ids costs at most one fetch per cooldown", async () => {
  const tokens = await forged(40);
  const valid = await issuer.sign();
  await sleep(COOLDOWN_S * 1000 + 200);
  const fetchedAt = Date.now();
  expect((await state(valid)).status).toBe(200);
  const before = issuer.fetches();
  // Within the cooldown of that fetch: none of them makes the Worker fetch.
  const first = await Promise.all(tokens.slice(0, 20).map(state));
  expect(first.map((r) => r.status)).toEqual(Array(20).fill(401));
  expect(issuer.fetches() - before).toBeLessThanOrEqual(cooldownsSince(fetchedAt));
  // After it, a concurrent burst shares one fetch (no per-request fetch, no loop).
  await sleep(COOLDOWN_S * 1000 + 200);
  const mid = issuer.fetches();
  const started = Date.now();
  const second = await Promise.all(tokens.slice(20).map(state));
  expect(second.map((r) => r.status)).toEqual(Array(20).fill(401));
  expect(issuer.fetches() - mid).toBeGreaterThanOrEqual(1);
  expect(issuer.fetches() - mid).toBeLessThanOrEqual(1 + cooldownsSince(started));
});

test("a rotated key is picked up on its first token after the cooldown", async () => {
  const rotated = await issuer.rotate("key-2");
  await sleep(COOLDOWN_S * 1000 + 200);
  const before = issuer.fetches();
  expect((await state(await issuer.sign({}, { key: rotated, kid: "key-2" }))).status).toBe(200);
  expect(issuer.fetches()).toBe(before + 1);
  // The old key still works, from the same fetch.
  expect((await state(await issuer.sign())).status).toBe(200);
  expect(issuer.fetches()).toBe(before + 1);
});
