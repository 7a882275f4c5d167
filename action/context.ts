import type { ControlClient } from "./client";
import type { Inputs } from "./inputs";
import type { Timeline } from "./outcome";

/** What every command works with: the inputs, the Worker's client and the timeline the summary shows. */
export interface CommandContext {
  inputs: Inputs;
  client: ControlClient;
  timeline: Timeline;
}
