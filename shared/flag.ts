// The two colors and the KV flag routers route by (DESIGN.md: ROUTING, key `active`).
import * as z from "zod";

export const COLORS = ["blue", "green"] as const;
export const Color = z.enum(COLORS);
export type Color = z.infer<typeof Color>;

export const otherColor = (c: Color): Color => (c === "blue" ? "green" : "blue");

/** KV key `active` in the ROUTING namespace. */
export const Flag = z.object({
  color: Color,
  epoch: z.number().int().nonnegative(),
  deploymentId: z.string().nullable(),
  updatedAt: z.string(),
  /** whether routers may fail over to (and eject towards) the standby; absent = true. Written by the controller. */
  failover: z.boolean().optional(),
  /**
   * Traffic steps: this share of requests (1..99 %) goes to `color`, the rest to the flag's color.
   * Absent: all of it to the flag's color. Written by the controller (docs/deployments.md, "Traffic steps").
   */
  split: z.object({ color: Color, percent: z.number().int().min(1).max(99) }).optional(),
  /**
   * while a deployment validates: copy `percent` % of live ingest requests to `color` after the client's
   * answer (docs/deployments.md, "Mirroring"). Written by the controller; absent = no copies.
   */
  mirror: z.object({ color: Color, percent: z.number().gt(0).max(100) }).optional(),
});
export type Flag = z.infer<typeof Flag>;
export type Split = NonNullable<Flag["split"]>;
export const FLAG_KEY = "active";
