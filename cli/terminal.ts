import type { Log } from "../control/log";

type Stream = Pick<NodeJS.WriteStream, "write"> & { isTTY?: boolean };

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, bold: 1, dim: 2 } as const;
export type Paint = keyof typeof CODES;

/**
 * One output stream: colors only on a terminal and never with NO_COLOR (no-color.org: set and not empty),
 * and on a terminal a live status line kept below whatever is printed.
 */
export class Terminal {
  readonly tty: boolean;
  readonly colors: boolean;
  private live = "";

  constructor(
    private readonly stream: Stream,
    env: NodeJS.ProcessEnv,
  ) {
    this.tty = stream.isTTY === true;
    this.colors = this.tty && !env.NO_COLOR;
  }

  paint(style: Paint, text: string): string {
    return this.colors ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
  }

  line(text = ""): void {
    this.clearLive();
    this.stream.write(`${text}\n`);
    this.drawLive();
  }

  /** A child's output as it comes, unchanged (the live line is cleared first). */
  write(chunk: string | Uint8Array): boolean {
    this.endStatus();
    return this.stream.write(chunk);
  }

  /** Replaces the screen with `lines` (a TTY's `--watch`). */
  screen(lines: string[]): void {
    this.stream.write(`\x1b[H\x1b[2J${lines.join("\n")}\n`);
  }

  /** The live status line (TTY only; nothing elsewhere, where each change gets its own line instead). */
  status(text: string): void {
    if (!this.tty) return;
    this.clearLive();
    this.live = text;
    this.drawLive();
  }

  endStatus(): void {
    this.clearLive();
    this.live = "";
  }

  private clearLive(): void {
    if (this.live) this.stream.write("\r\x1b[2K");
  }

  private drawLive(): void {
    if (this.live) this.stream.write(this.live);
  }
}

/**
 * The shared flow's log on a terminal (the CLI's stderr): notices and warnings stand out, a deploy command's
 * output is fenced, both its streams on this one (stdout is the CLI's results, for `--json` and scripts).
 */
export function terminalLog(t: Terminal): Log {
  return {
    info: (line) => t.line(line),
    notice: (line) => t.line(t.paint("cyan", `ℹ ${line}`)),
    warning: (line) => t.line(t.paint("yellow", `⚠ ${line}`)),
    group: async (title, body) => {
      t.line(t.paint("dim", `── ${title}`));
      t.endStatus();
      try {
        return await body({ stdout: t, stderr: t });
      } finally {
        t.line(t.paint("dim", "──"));
      }
    },
  };
}
