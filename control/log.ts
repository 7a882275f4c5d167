/** Where the shared flow reports progress: the job log for the action, the terminal for the CLI. */
export interface Log {
  info(line: string): void;
  /** something the user may act on (a promotion gate passed). */
  notice(line: string): void;
  warning(line: string): void;
  /** a child command's output under a heading (a collapsible group in a job log). */
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
}
