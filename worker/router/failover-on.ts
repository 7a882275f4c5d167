// FAILOVER_ON's parser, pure so it is tested without a Worker; config() (env.ts) applies it once.

const list = (value: string | undefined, fallback: string): string[] =>
  (value || fallback)
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/** `FAILOVER_ON`: `network`, `timeout` and HTTP statuses; anything else is ignored. */
export function failoverOn(value: string | undefined) {
  const items = list(value, "network,timeout,500,502,503,504");
  const statuses = new Set(items.map(Number).filter((n) => Number.isInteger(n) && n >= 100 && n <= 599));
  return { network: items.includes("network"), timeout: items.includes("timeout"), statuses };
}
