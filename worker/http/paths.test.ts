import { expect, test } from "vitest";
import { forHono, pathAndQuery, targetUrl } from "./paths";

// The router slices request.url (already normalised by the runtime) instead of parsing it per request:
// what it forwards and hashes must be exactly `pathname + search` of the parsed URL.
test("pathAndQuery is pathname + search of the parsed URL", () => {
  for (const raw of [
    "http://w.example/ingest",
    "http://w.example/",
    "http://w.example",
    "http://w.example:8787/v1/logs?tenant=a&x=%20",
    "http://w.example/ingest?",
    "http://w.example/ingest?a?",
    "http://w.example/ingest?#frag",
    "http://w.example/ingest#frag",
    "http://w.example/ingest?q=1#frag?",
    "https://user:pa%2Fss@w.example/a//b/../c?%3F=1",
    "http://w.example/ünï code/ spaced?q=ü",
    "http://[::1]:8080/x?y",
  ]) {
    const href = new URL(raw).href;
    const u = new URL(href);
    expect({ href, got: pathAndQuery(href) }).toEqual({ href, got: `${u.pathname}${u.search}` });
  }
});

test("targetUrl keeps the origin's path prefix, with or without a trailing slash", () => {
  expect(targetUrl("http://127.0.0.1:8701", "/ingest?x=1")).toBe("http://127.0.0.1:8701/ingest?x=1");
  expect(targetUrl("https://platform.example/base/", "/v1/logs")).toBe("https://platform.example/base/v1/logs");
  expect(targetUrl("https://platform.example/base", "/")).toBe("https://platform.example/base/");
  expect(targetUrl("https://Platform.Example:443/", "/a")).toBe("https://platform.example/a");
});

test("forHono: the Worker's own paths, escaped ones, and nothing else", () => {
  expect(forHono("http://w.example/api/state")).toBe(true);
  expect(forHono("http://w.example/%61pi")).toBe(true);
  expect(forHono("http://w.example/ingest?x=/api")).toBe(false);
});
