// Markdown link checking, as pure functions: which relative links a page has, and which anchors a page offers
// (GitHub's heading slugs). `scripts/check-links.ts` applies them to the repository's documentation.

export interface Link {
  line: number;
  target: string;
}

/** GitHub's heading id: the rendered text, lower-cased, without punctuation; spaces become hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link or image renders as its text
    .replace(/<[^>]+>/g, "") // inline HTML renders no text of its own
    .replace(/[`*~]/g, "") // code and emphasis marks (underscores stay: GitHub keeps them)
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** The page's lines with those in fenced code blocks blanked (line numbers kept). */
function unfenced(markdown: string): string[] {
  let fence: string | null = null;
  return markdown.split("\n").map((raw) => {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (open?.[1]) {
      if (fence === null) fence = open[1];
      else if (open[1].startsWith(fence)) fence = null;
      return "";
    }
    return fence === null ? raw : "";
  });
}

/** Every anchor a page offers: its headings' slugs (repeats numbered as GitHub does) and `<a id|name>`. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const raw of unfenced(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (heading?.[1] !== undefined) {
      const base = slug(heading[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of raw.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) if (m[1]) out.add(m[1]);
  }
  return out;
}

/** Relative links and images (`[text](target)`) outside code; web, mail and protocol-relative links are skipped. */
export function relativeLinks(markdown: string): Link[] {
  // Inline code spans are blanked so code never yields a link; link text may wrap onto the next line.
  const text = unfenced(markdown)
    .map((line) => line.replace(/(`+)[^`]*?\1/g, ""))
    .join("\n");
  const links: Link[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1];
    if (!target || /^([a-z][a-z0-9+.-]*:|\/\/)/i.test(target)) continue;
    const at = m.index + m[0].indexOf("](");
    links.push({ line: text.slice(0, at).split("\n").length, target });
  }
  return links;
}

export interface Page {
  path: string;
  markdown: string;
}

/** What the checker needs from the file system, so tests can give it pages in memory. */
export interface Files {
  exists(path: string): boolean;
  /** The markdown at `path`, or null when it is not a markdown file. */
  markdown(path: string): string | null;
}

/** Joins a link's path to the directory of the page it is on; `..` may not leave the repository. */
export function resolve(pagePath: string, linkPath: string): string | null {
  const parts = linkPath.startsWith("/") ? [] : pagePath.split("/").slice(0, -1);
  for (const part of decodeURIComponent(linkPath).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}

/** One message per link that does not resolve: a missing file, or an anchor no heading of its page has. */
export function brokenLinks(pages: Page[], files: Files): string[] {
  const problems: string[] = [];
  // The pages checked are read already; a link into one of them uses that text.
  const anchorCache = new Map<string, Set<string> | null>(pages.map((p) => [p.path, anchors(p.markdown)]));
  const anchorsOf = (path: string): Set<string> | null => {
    if (!anchorCache.has(path)) {
      const md = files.markdown(path);
      anchorCache.set(path, md === null ? null : anchors(md));
    }
    return anchorCache.get(path) ?? null;
  };
  for (const page of pages) {
    for (const { line, target } of relativeLinks(page.markdown)) {
      const hash = target.indexOf("#");
      const pathPart = hash === -1 ? target : target.slice(0, hash);
      const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
      const file = pathPart === "" ? page.path : resolve(page.path, pathPart.split("?")[0] ?? "");
      const where = `${page.path}:${line}: ${target}`;
      if (file === null || (file !== page.path && !files.exists(file))) {
        problems.push(`${where}: no such file`);
        continue;
      }
      if (anchor === null || anchor === "") continue;
      const known = anchorsOf(file);
      if (known === null) problems.push(`${where}: #${anchor} points into a file that is not markdown`);
      else if (!known.has(anchor)) problems.push(`${where}: no heading with the anchor #${anchor} in ${file}`);
    }
  }
  return problems;
}
