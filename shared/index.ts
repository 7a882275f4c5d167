export * from "./audit";
export * from "./latency";
export * from "./schemas";
