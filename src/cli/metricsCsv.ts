// metrics.csv of `npm run train`: one row per run per step (train loss of the batch at θ before
// the step's update, its gradient norm, the step's lr and κ_t), with the validation loss (and
// accuracy for classifiers) on the rows of evaluation steps; the final evaluation gets a row of
// its own at step = total steps. A resumed run keeps the rows before its checkpoint and appends.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { EvalMetrics } from '../train/comparison';
import type { StepMetrics } from '../train/run';

export const METRIC_COLUMNS = ['run', 'step', 'wall_s', 'lr', 'kappa', 'train_loss', 'grad_norm', 'mask_fraction', 'val_loss'] as const;
export const ACCURACY_COLUMNS = ['train_acc', 'val_acc'] as const;

/** Shortest text that reads back as the same f32/f64 value. */
const num = (x: number) => (Number.isFinite(x) ? String(x) : x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan');

export class MetricsCsv {
  private readonly fd: number;
  readonly columns: string[];
  /** Wall time (s) at which this process started, on the axis of the kept rows. */
  readonly wallOffset: number;

  /**
   * Opens `path`; `resumeStep` keeps the existing rows of steps before it (a resumed run) and
   * drops the rest, otherwise the file is started afresh.
   */
  constructor(
    path: string,
    readonly accuracy: boolean,
    resumeStep?: number,
  ) {
    this.columns = [...METRIC_COLUMNS, ...(accuracy ? ACCURACY_COLUMNS : [])];
    const header = this.columns.join(',');
    let kept: string[] = [];
    let wall = 0;
    if (resumeStep !== undefined && existsSync(path)) {
      const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
      if (lines[0] === header) {
        kept = lines.slice(1).filter((l) => Number(l.split(',')[1]) < resumeStep);
        for (const l of kept) wall = Math.max(wall, Number(l.split(',')[2]) || 0);
      }
    }
    this.wallOffset = wall;
    this.fd = openSync(path, 'w');
    writeSync(this.fd, [header, ...kept].join('\n') + '\n');
  }

  /** A training row (with the evaluation of that step when there was one). */
  writeStep(m: StepMetrics, wallS: number, evaluation: EvalMetrics | undefined): void {
    const cells: Record<string, string> = {
      run: m.runId,
      step: String(m.step),
      wall_s: (this.wallOffset + wallS).toFixed(3),
      lr: num(m.lr),
      kappa: num(m.kappa),
      train_loss: num(m.loss),
      grad_norm: num(m.gradNorm),
      mask_fraction: num(m.maskFraction),
      val_loss: evaluation ? num(evaluation.loss) : '',
      train_acc: num(m.accuracy),
      val_acc: evaluation ? num(evaluation.accuracy) : '',
    };
    this.write(cells);
  }

  /** An evaluation without a training step (the final one). */
  writeEval(e: EvalMetrics, wallS: number): void {
    this.write({ run: e.runId, step: String(e.step), wall_s: (this.wallOffset + wallS).toFixed(3), val_loss: num(e.loss), val_acc: num(e.accuracy) });
  }

  private write(cells: Record<string, string>): void {
    writeSync(this.fd, this.columns.map((c) => cells[c] ?? '').join(',') + '\n');
  }

  close(): void {
    closeSync(this.fd);
  }
}
