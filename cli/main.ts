import { ControlApiError } from "../control/client";
import { errorText } from "../control/outcome";
import { UsageError } from "./args";
import { checkOriginCommand, usage as checkOriginUsage } from "./check-origin";
import { deploy, usage as deployUsage } from "./deploy";
import type { Io } from "./io";
import { audit, history, usage as listUsage } from "./lists";
import { abort, usage as operateUsage, promote, rollback } from "./operate";
import { status, usage as statusUsage } from "./status";

type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  status: { run: status, usage: statusUsage },
  deploy: { run: deploy, usage: deployUsage },
  promote: { run: promote, usage: operateUsage.promote },
  abort: { run: abort, usage: operateUsage.abort },
  rollback: { run: rollback, usage: operateUsage.rollback },
  history: { run: history, usage: listUsage.history },
  audit: { run: audit, usage: listUsage.audit },
  "check-origin": { run: checkOriginCommand, usage: checkOriginUsage },
};

const EXIT = { done: 0, failed: 1, usage: 2, unreachable: 3 } as const;

const HELP = `Usage: npx edge-bluegreen <command> [options]

Every command but check-origin talks to the Worker: --url or EDGE_BLUEGREEN_URL, and --token or
EDGE_BLUEGREEN_TOKEN (prefer the variable: a command line is visible to other users of the machine).

Commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage.replaceAll("\n", "\n  ")}`)
  .join("\n\n")}

Exit codes: 0 done as asked; 1 the outcome was a failure (failed, rolled back, refused);
2 usage or configuration error; 3 the Worker is unreachable.`;

/** 2 for a bad command line or credentials, 3 when no answer came back, 1 for any other refusal or failure. */
function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof ControlApiError) {
    if (e.status === null) return EXIT.unreachable;
    if (e.status === 401 || e.status === 400) return EXIT.usage;
  }
  return EXIT.failed;
}

/** A secret never reaches the output, even inside a message that came from elsewhere. */
const redact = (text: string, secrets: (string | undefined)[]) =>
  secrets.reduce<string>((t, s) => (s && s.length >= 4 ? t.replaceAll(s, "***") : t), text);

/** The CLI: runs one command and returns its exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    io.out.line(HELP);
    return name ? EXIT.done : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err.line(`edge-bluegreen: unknown command "${name}" (try --help)`);
    return EXIT.usage;
  }
  if (args.includes("--help") || args.includes("-h")) {
    io.out.line(`Usage: npx edge-bluegreen ${command.usage}`);
    return EXIT.done;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    io.err.endStatus();
    const text = redact(errorText(e), [io.env.EDGE_BLUEGREEN_TOKEN, tokenArg(args)]);
    io.err.line(io.err.paint("red", `edge-bluegreen ${name}: ${text}`));
    return exitCodeOf(e);
  }
}

/** The value of --token on the command line, if any (to keep it out of messages). */
function tokenArg(args: string[]): string | undefined {
  const i = args.findIndex((a) => a === "--token" || a.startsWith("--token="));
  if (i === -1) return undefined;
  return args[i]?.includes("=") ? args[i]?.slice("--token=".length) : args[i + 1];
}
