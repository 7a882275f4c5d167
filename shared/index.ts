export * from "./latency";
export * from "./schemas";
