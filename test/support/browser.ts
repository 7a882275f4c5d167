import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium, used when installed (`apt-get install chromium`). */
const DEBIAN_CHROMIUM = "/usr/bin/chromium";
const PACKAGE = "@sparticuz/chromium";

interface Chromium {
  executablePath: string;
  /** Extra environment for the browser's processes. */
  env?: Record<string, string>;
}

/**
 * The Chromium to drive: `CHROMIUM_PATH` if set, else Debian's, else the headless shell that the
 * `@sparticuz/chromium` dev dependency ships inside the npm package — so `npm ci && npm test` needs no apt.
 */
export async function findChromium(): Promise<Chromium> {
  if (process.env.CHROMIUM_PATH) return { executablePath: process.env.CHROMIUM_PATH };
  if (existsSync(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM };
  return packagedChromium();
}

/**
 * Unpacks the package's brotli archives once per version into a shared directory under the temp dir: the
 * binary, and the NSS/expat libraries it links against (the package's Amazon Linux set), used instead of the
 * system's so a bare Debian without libnss3 runs it too. The package itself unpacks into `os.tmpdir()` and
 * reuses whatever file it finds there, even a half-written one; so it runs in a child whose TMPDIR is a
 * private staging directory, renamed into place when complete (atomic, so parallel test runs on one
 * machine never launch a partial binary).
 */
async function packagedChromium(): Promise<Chromium> {
  const root = join(dirname(createRequire(import.meta.url).resolve(PACKAGE)), "..");
  const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  const dir = join(tmpdir(), `bg-sparticuz-chromium-${version}`);
  const found = { executablePath: join(dir, "chromium"), env: { LD_LIBRARY_PATH: join(dir, "al2023", "lib") } };
  if (existsSync(found.executablePath)) return found;
  const staging = await mkdtemp(join(tmpdir(), "bg-sparticuz-chromium-unpack-"));
  try {
    const libs = JSON.stringify(join(root, "bin", "al2023.tar.br"));
    const script = `import c, { inflate } from ${JSON.stringify(PACKAGE)}; await c.executablePath(); await inflate(${libs});`;
    await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, TMPDIR: staging },
    });
    await rename(staging, dir).catch((err: NodeJS.ErrnoException) => {
      // Another run got there first with a complete copy.
      if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return found;
}

export interface BrowserHandle {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, without the background traffic that would slow a busy CI box. */
export async function launchBrowser(viewport = { width: 1280, height: 900 }): Promise<BrowserHandle> {
  const { executablePath, env } = await findChromium();
  const profile = await mkdtemp(join(tmpdir(), "bg-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    env: env && { ...process.env, ...env },
    headless: true,
    viewport,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A new page on the Worker's dashboard, signed in with `token`. */
export async function openDashboard(browser: BrowserHandle, workerUrl: string, token: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${workerUrl}/dashboard`);
  await page.fill("#signin-token", token);
  await page.click("#signin-ok");
  return page;
}
