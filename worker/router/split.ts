import type { Color, Split } from "../../shared/schemas";

/**
 * Traffic steps: the color one request goes to under a flag with a split. Chosen per request at random
 * (no state, no hashing, no coordination between isolates): over many requests the split color gets its
 * `percent` share, and a shipper's retry may land on either color, which its idempotency-key makes safe.
 */
export const splitPick = (active: Color, split: Split, random: () => number = Math.random): Color =>
  random() * 100 < split.percent ? split.color : active;
