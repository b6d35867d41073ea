// The progress of `npm run train`: one line rewritten in place (\r) on a terminal, with the
// step, steps/s, ETA and the latest losses; plain lines (about twenty per run) when stdout is a
// file or a pipe.

export interface ProgressOutput {
  write(text: string): void;
  isTTY: boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class ProgressLine {
  private readonly startedAt = performance.now();
  private lastDraw = -Infinity;
  private lastWidth = 0;
  private readonly every: number;

  constructor(
    private readonly out: ProgressOutput,
    private readonly firstStep: number,
    private readonly lastStep: number,
  ) {
    this.every = Math.max(1, Math.round((lastStep - firstStep) / 20));
  }

  /** `done` steps are complete (absolute step count); `detail` is appended (losses). */
  update(done: number, detail: string, force = false): void {
    const now = performance.now();
    const elapsed = (now - this.startedAt) / 1000;
    const rate = (done - this.firstStep) / Math.max(elapsed, 1e-9);
    const eta = (this.lastStep - done) / rate;
    const text = `step ${done}/${this.lastStep}  ${rate.toFixed(2)} steps/s  ETA ${done >= this.lastStep ? '0s' : formatDuration(eta)}${detail ? `  ${detail}` : ''}`;
    if (this.out.isTTY) {
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.out.write(`\r${text.padEnd(this.lastWidth)}`);
      this.lastWidth = text.length;
    } else if (force || (done - this.firstStep) % this.every === 0 || done === this.lastStep) {
      this.out.write(`${text}\n`);
    }
  }

  /** Ends the updating line (a newline on a terminal). */
  finish(): void {
    if (this.out.isTTY && this.lastWidth > 0) this.out.write('\n');
    this.lastWidth = 0;
  }
}
