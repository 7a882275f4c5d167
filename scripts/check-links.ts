// `npm run check:links`: every relative link and #anchor in README.md, ARCHITECTURE.md and docs/*.md resolves.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { brokenLinks, type Files, type Page } from "./links";

const read = (path: string): string => readFileSync(path, "utf8");
const pagePaths = ["README.md", "ARCHITECTURE.md", ...readdirSync("docs").map((f) => `docs/${f}`)].filter(
  (p) => p.endsWith(".md") && existsSync(p),
);
const pages: Page[] = pagePaths.map((path) => ({ path, markdown: read(path) }));
const files: Files = {
  exists: (path) => existsSync(path),
  markdown: (path) => (path.endsWith(".md") && statSync(path).isFile() ? read(path) : null),
};

const problems = brokenLinks(pages, files);
for (const p of problems) console.error(p);
if (problems.length > 0) {
  console.error(`${problems.length} broken link(s). Fix the target, or the heading it points to.`);
  process.exit(1);
}
console.log(`links: ${pagePaths.length} pages, every relative link and anchor resolves`);
