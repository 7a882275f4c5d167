// The platform's OTLP/protobuf decoder against the Worker's hand-written canary encoder: the protobuf
// canary reads back as the same entry as the OTLP/JSON one (the real protobuf exporter is decoded in
// test/producers/otel-producer.test.ts).
import { expect, test } from "vitest";
import { canaryBody } from "../../worker/validation/canary";
import { parseOtlpProto } from "./otlp-proto";
import { parseOtlp } from "./parse";

test("the protobuf canary decodes to the same entry as the OTLP/JSON one", () => {
  const at = Date.UTC(2026, 10, 24, 12, 0, 0);
  const tags = { deploymentId: "dep-1", seq: 300, canaryId: "canary-dep-1-300-otlp-proto-v1-logs" };
  const proto = canaryBody("otlp-proto", tags, at);
  const json = canaryBody("otlp-json", tags, at);
  expect(proto.contentType).toBe("application/x-protobuf");
  const decoded = parseOtlpProto(proto.body as Uint8Array);
  expect(decoded).toEqual([{ source: "bluegreen-canary", ...tags, message: "blue/green validation canary" }]);
  // JSON carries int64 as a string; the platform's seq column reads either.
  expect(parseOtlp(json.body as string)).toEqual([{ ...decoded[0], seq: "300" }]);
});

test("truncated protobuf is an error, not a silent empty batch", () => {
  const body = canaryBody("otlp-proto", { deploymentId: "dep-1", seq: 1, canaryId: "c" }).body as Uint8Array;
  expect(() => parseOtlpProto(body.subarray(0, body.length - 3))).toThrow(/truncated/);
});
