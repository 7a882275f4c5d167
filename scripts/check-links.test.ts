import { describe, expect, it } from "vitest";
import { anchors, brokenLinks, type Files, relativeLinks, slug } from "./links";

describe("slug (GitHub's heading ids)", () => {
  it("lower-cases, drops punctuation and code marks, keeps underscores and hyphens", () => {
    expect(slug("Traffic steps (`steps`, `stepSeconds`)")).toBe("traffic-steps-steps-stepseconds");
    expect(slug("Drain by the platform's word (`DRAIN_PATH`)")).toBe("drain-by-the-platforms-word-drain_path");
    expect(slug("Where the last 3 % goes: the per-attempt timer")).toBe("where-the-last-3--goes-the-per-attempt-timer");
    expect(slug("See [the action](action.md)")).toBe("see-the-action");
  });

  it("numbers repeated headings as GitHub does", () => {
    expect([...anchors("# A\n## A\n### A\n")]).toEqual(["a", "a-1", "a-2"]);
  });

  it("ignores headings inside fenced code", () => {
    expect(anchors("```sh\n# not a heading\n```\n# Real\n").has("not-a-heading")).toBe(false);
  });
});

describe("relativeLinks", () => {
  it("finds relative links and images with their line, skips web links and code", () => {
    const md =
      "intro\n[a](docs/x.md#y) and ![p](img.png)\n[w](https://e.com) `[c](code.md)`\n```\n[f](fenced.md)\n```\n";
    expect(relativeLinks(md)).toEqual([
      { line: 2, target: "docs/x.md#y" },
      { line: 2, target: "img.png" },
    ]);
  });

  it("finds a link whose text wraps onto the next line", () => {
    expect(relativeLinks("see [Failover\ntarget](#failover-target)")).toEqual([
      { line: 2, target: "#failover-target" },
    ]);
  });
});

describe("brokenLinks", () => {
  const tree: Record<string, string | null> = {
    "README.md": "# Top\n## Setup steps\n",
    "docs/a.md": "# A page\n## Section one\n",
    "docs/img.png": null,
    "worker/index.ts": null,
  };
  const files: Files = {
    exists: (p) => p in tree || Object.keys(tree).some((k) => k.startsWith(`${p}/`)),
    markdown: (p) => (p.endsWith(".md") ? (tree[p] ?? null) : null),
  };
  const check = (path: string, markdown: string) => brokenLinks([{ path, markdown }], files);

  it("passes links that resolve relative to their page, anchors included", () => {
    expect(
      check(
        "docs/b.md",
        "[r](../README.md#setup-steps) [s](a.md#section-one) [i](img.png) [c](../worker/index.ts) [d](../worker/)",
      ),
    ).toEqual([]);
    expect(check("README.md", "# Here\n[here](#here) [there](docs/a.md#a-page)")).toEqual([]);
  });

  it("reports a missing file, a missing anchor, an anchor into a non-markdown file, and a path leaving the repo", () => {
    expect(
      check(
        "docs/b.md",
        "[1](gone.md)\n[2](a.md#no-such)\n[3](../worker/index.ts#x)\n[4](../../outside.md)\n[5](#missing-here)",
      ),
    ).toEqual([
      "docs/b.md:1: gone.md: no such file",
      "docs/b.md:2: a.md#no-such: no heading with the anchor #no-such in docs/a.md",
      "docs/b.md:3: ../worker/index.ts#x: #x points into a file that is not markdown",
      "docs/b.md:4: ../../outside.md: no such file",
      "docs/b.md:5: #missing-here: no heading with the anchor #missing-here in docs/b.md",
    ]);
  });
});
