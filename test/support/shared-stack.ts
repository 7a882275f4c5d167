import { afterAll, beforeAll, beforeEach } from "vitest";
import { type Stack, type StackOptions, startStack } from "./stack";

/**
 * One stack for all tests of a file (or describe block), no draining unless asked: started before them,
 * stopped after, both origins healthy and without faults before each test. Returns the stack's getter.
 */
export function sharedStack(opts: StackOptions = {}): () => Stack {
  let s: Stack | undefined;
  beforeAll(async () => {
    s = await startStack({ drainSeconds: 0, ...opts });
  });
  afterAll(() => s?.stop());
  beforeEach(() => {
    s?.platforms.blue.setFaults({});
    s?.platforms.green.setFaults({});
  });
  return () => {
    if (!s) throw new Error("the shared stack has not started");
    return s;
  };
}
