import { expect, test } from "vitest";
import type { Probe } from "../../shared";
import { addProbe, PROBES_KEPT } from "./probe-log";

const probe = (phase: Probe["phase"], n: number): Probe => ({
  phase,
  check: "health",
  ok: true,
  at: new Date(n).toISOString(),
  detail: `${phase} ${n}`,
});

test("a long watch keeps the validation's probes; each phase keeps its newest PROBES_KEPT", () => {
  const d = { probes: [] as Probe[] };
  for (let n = 0; n < PROBES_KEPT + 5; n++) addProbe(d, probe("pre", n));
  for (let n = 0; n < 3 * PROBES_KEPT; n++) addProbe(d, probe("post", n));
  const pre = d.probes.filter((p) => p.phase === "pre").map((p) => p.detail);
  const post = d.probes.filter((p) => p.phase === "post").map((p) => p.detail);
  expect(pre).toHaveLength(PROBES_KEPT);
  expect(pre[0]).toBe("pre 5");
  expect(post).toHaveLength(PROBES_KEPT);
  expect(post[0]).toBe(`post ${2 * PROBES_KEPT}`);
  expect(post.at(-1)).toBe(`post ${3 * PROBES_KEPT - 1}`);
});
