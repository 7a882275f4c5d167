import type { Deployment, Probe } from "../../shared";

/** Probes a deployment record keeps per phase ("pre" validation, "post" watch). */
export const PROBES_KEPT = 100;

/** Keeps the newest PROBES_KEPT probes of each phase: a long watch never pushes out the validation's evidence. */
export function addProbe(d: Pick<Deployment, "probes">, probe: Probe): void {
  d.probes.push(probe);
  if (d.probes.filter((p) => p.phase === probe.phase).length > PROBES_KEPT) {
    d.probes.splice(
      d.probes.findIndex((p) => p.phase === probe.phase),
      1,
    );
  }
}
