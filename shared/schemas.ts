// The contract between the Worker, the action and the dashboard (../shared/DESIGN.md), one module per
// concern. One definition each: the Worker validates with these, the action parses responses with them.
export * from "./counters";
export * from "./deployment";
export * from "./flag";
export * from "./request";
export * from "./state";
