/** Where a child command's output goes, as it comes. */
export interface CommandOutput {
  stdout: Pick<NodeJS.WritableStream, "write">;
  stderr: Pick<NodeJS.WritableStream, "write">;
}

/** Where the shared flow reports progress: the job log for the action, the terminal for the CLI. */
export interface Log {
  info(line: string): void;
  /** something the user may act on (a promotion gate passed). */
  notice(line: string): void;
  warning(line: string): void;
  /**
   * a child command's output under a heading (a collapsible group in a job log); `body` writes it to
   * `out` (the CLI keeps its stdout for its results, so both streams go to its stderr).
   */
  group<T>(title: string, body: (out: CommandOutput) => Promise<T>): Promise<T>;
}
