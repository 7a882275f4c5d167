import { quantile } from "../shared";

/** One line of the results table; `met` is null for figures the contract sets no target for. */
export interface Figure {
  name: string;
  value: string;
  target: string;
  met: boolean | null;
}

export const NO_TARGET = "none (informative)";

export const med = (xs: readonly number[]) => quantile(xs, 0.5) ?? Number.NaN;

/** `median (min–max)`, the way every spread in the report is written. */
export const spread = (xs: readonly number[], digits = 0, unit = "") =>
  xs.length === 0
    ? "—"
    : `${med(xs).toFixed(digits)}${unit} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

export const row = (cells: readonly (string | number)[]) => `| ${cells.join(" | ")} |`;
