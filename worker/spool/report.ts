import type { SpoolMessage } from "./message";

/** What one consumer batch tells the controller (one call per batch, never per request). */
export interface SpoolReport {
  /** batches still waiting: R2 key and when spooled (unix ms). */
  pending: { key: string; at: number }[];
  /** batches done; `counted` false for a second message of a batch already delivered. */
  delivered: { key: string; counted: boolean }[];
  /** batches given up on (retries spent, or refused for good by the platform): kept until replayed. */
  dead: { message: SpoolMessage; reason: string }[];
}
