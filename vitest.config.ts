import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{worker,action,control,cli,shared,test,scripts}/**/*.test.ts"],
    // Each Worker test file starts its own `wrangler dev` (workerd); two at a time fits 2 cores.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
