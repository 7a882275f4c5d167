import { expect, test } from "vitest";
import { Terminal, terminalLog } from "./terminal";

const sink = (isTTY: boolean) => {
  const out = {
    text: "",
    isTTY,
    write(s: string) {
      out.text += s;
      return true;
    },
  };
  return out;
};

test("colors only on a terminal, and never with NO_COLOR", () => {
  const cases = [
    { tty: true, env: {}, colored: true },
    { tty: true, env: { NO_COLOR: "1" }, colored: false },
    { tty: false, env: {}, colored: false },
    // no-color.org: an empty NO_COLOR does not count.
    { tty: true, env: { NO_COLOR: "" }, colored: true },
  ];
  for (const c of cases) {
    const out = sink(c.tty);
    new Terminal(out, c.env).line(new Terminal(out, c.env).paint("red", "failed"));
    expect(out.text.includes("\x1b["), JSON.stringify(c)).toBe(c.colored);
    expect(out.text).toContain("failed");
  }
});

test("the live status line: redrawn under each printed line on a terminal, absent elsewhere", () => {
  const tty = sink(true);
  const t = new Terminal(tty, {});
  t.status("… validating");
  t.line("[12:00:01] promoted");
  expect(tty.text).toBe("… validating\r\x1b[2K[12:00:01] promoted\n… validating");

  const pipe = sink(false);
  const p = new Terminal(pipe, {});
  p.status("… validating");
  p.line("[12:00:01] promoted");
  expect(pipe.text).toBe("[12:00:01] promoted\n");
});

test("a deploy command's stdout and stderr both go to the log's stream, inside its fence", async () => {
  const err = sink(false);
  const ran = await terminalLog(new Terminal(err, {})).group("deploy-command", async (out) => {
    out.stdout.write("deployed v2\n");
    out.stderr.write("warning: slow\n");
    return 0;
  });
  expect(ran).toBe(0);
  expect(err.text).toBe("── deploy-command\ndeployed v2\nwarning: slow\n──\n");
});
