// Long runs (`npm start`, `npm run bench`) say which step they are on and how long they have taken.

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/** Numbered steps with the time since the start: `[step 3 of 9, 0:42] title`. */
export class Progress {
  private done = 0;
  private readonly started = performance.now();

  constructor(
    private readonly total: number,
    private readonly log: (line: string) => void = console.log,
  ) {}

  step(title: string): void {
    this.done++;
    this.log(`[step ${this.done} of ${this.total}, ${this.elapsed()}] ${title}`);
  }

  /** m:ss since the start. */
  elapsed(): string {
    return clock(performance.now() - this.started);
  }
}
