import type { Deployment, Identity } from "../../shared";
import type { HealthResult } from "../validation/probes";

/** Node ids kept per identity: enough to name the odd node out, bounded for a large color. */
const NODES_KEPT = 16;

const label = (i: Pick<Identity, "version" | "configHash">) => `${i.version ?? "?"}/${i.configHash ?? "no configHash"}`;

/** Notes what a health answer of the deployment's color says its node runs (answers without a version say nothing). */
export function noteIdentity(d: Deployment, h: HealthResult): void {
  if (h.version === null) return;
  const seen = d.identities ?? [];
  d.identities = seen;
  let i = seen.find((x) => x.version === h.version && x.configHash === h.configHash);
  if (!i) {
    i = { version: h.version, configHash: h.configHash, nodes: [], answers: 0 };
    seen.push(i);
  }
  i.answers++;
  if (h.node !== null && !i.nodes.includes(h.node) && i.nodes.length < NODES_KEPT) i.nodes.push(h.node);
}

/**
 * Why the color's configuration cannot be trusted, or null: a node reported another configHash than the
 * deployment names, or its health answers so far disagree (a half-rolled color: some nodes still old).
 */
export function identityProblem(d: Deployment): string | null {
  const seen = d.identities ?? [];
  const expected = d.configHash ?? null;
  const wrong = expected === null ? undefined : seen.find((i) => i.configHash !== expected);
  if (wrong) {
    const nodes = wrong.nodes.length ? ` (node ${wrong.nodes.join(", ")})` : "";
    return `configHash mismatch: expected ${expected}, got ${wrong.configHash ?? "none"}${nodes}`;
  }
  if (seen.length < 2) return null;
  const each = seen.map((i) => `${label(i)} ${i.answers}× ${i.nodes.length ? `on ${i.nodes.join(", ")}` : ""}`.trim());
  return `half-rolled: its nodes report ${seen.length} different version/configHash: ${each.join("; ")}`;
}
