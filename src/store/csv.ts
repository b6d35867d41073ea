// CSV export of every metric of every run: one row per run per seed per step at which that seed
// of the run has any metric (training step, evaluation or sharpness measurement), a header row, CRLF line ends and
// RFC 4180 quoting. Numbers are written as JavaScript prints them (plain decimal or exponent:
// 0.003, 1e-7, 2.5e+21), an absent value as an empty cell. User text (run names) is always
// quoted; a name that a spreadsheet would read as a formula (starting with = + - @, tab or CR)
// gets a leading apostrophe, so opening the file never evaluates anything.
import { seedOf, type ComparisonConfig } from '../train/config';
import { emaSmooth, seriesKey, type RunSeries } from './series';

/** The columns, in order. `loss_smoothed` is the bias-corrected EMA the loss chart draws. */
export const CSV_COLUMNS = [
  'run',
  'run_name',
  'seed', // the seed the row's run was trained with: config.seed + s for seed s (docs/experiments.md, "Seeds and intervals")
  'step',
  'wall_ms',
  'loss',
  'loss_smoothed',
  'grad_norm',
  'lr',
  'kappa_eff',
  'mask_fraction',
  'steps_per_sec',
  'grad_evals',
  'val_loss',
  'val_acc',
  'trace',
  'trace_stderr',
  'top_eig',
  'eos_sharpness',
  'eos_threshold',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

export interface CsvSource {
  config: Pick<ComparisonConfig, 'runs'> & Partial<Pick<ComparisonConfig, 'seed' | 'seeds'>>;
  series: Record<string, RunSeries>;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell: always quoted, quotes doubled, formula-looking text defused. */
export function csvText(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** A number cell: '' for null/undefined/non-finite (metrics are finite by protocol). */
export function csvNumber(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : String(x);
}

type Row = Partial<Record<CsvColumn, number | null>>;

/** Rows of one run keyed by step, in step order. */
function runRows(s: RunSeries, smoothing: number): [number, Row][] {
  const rows = new Map<number, Row>();
  const at = (step: number) => {
    let r = rows.get(step);
    if (!r) rows.set(step, (r = {}));
    return r;
  };
  const t = s.train;
  const smooth = emaSmooth(t.loss, smoothing);
  t.step.forEach((step, i) => {
    Object.assign(at(step), {
      wall_ms: t.wallMs[i],
      loss: t.loss[i],
      loss_smoothed: smooth[i],
      grad_norm: t.gradNorm[i],
      lr: t.lr[i],
      kappa_eff: t.kappaEff[i],
      mask_fraction: t.maskFraction[i],
      steps_per_sec: t.stepsPerSec[i],
      grad_evals: t.gradEvals[i],
    });
  });
  s.eval.step.forEach((step, i) => {
    const r = at(step);
    r.wall_ms ??= s.eval.wallMs[i];
    r.val_loss = s.eval.valLoss[i];
    r.val_acc = s.eval.valAcc[i];
  });
  const h = s.sharpness;
  h.step.forEach((step, i) => {
    const r = at(step);
    r.wall_ms ??= h.wallMs[i];
    r.trace = h.trace[i];
    r.trace_stderr = h.traceStderr[i];
    r.top_eig = h.topEig[i];
    r.eos_sharpness = h.eosSharpness[i];
    r.eos_threshold = h.eosThreshold[i];
  });
  return [...rows.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * The whole comparison as CSV text: runs in the config's order, then seeds in order, steps
 * increasing within a seed. `smoothing` is the EMA β of `loss_smoothed` (the page's current
 * setting). A config without `seed` (older callers) leaves the seed column empty.
 */
export function metricsCsv(source: CsvSource, smoothing: number): string {
  const lines = [CSV_COLUMNS.join(',')];
  const { seed: first, seeds = 1 } = source.config;
  for (const run of source.config.runs) {
    const id = csvText(run.id);
    const name = csvText(run.name);
    for (let k = 0; k < seeds; k++) {
      const s = source.series[seriesKey(run.id, k)];
      if (!s) continue;
      const seed = first === undefined ? '' : String(seedOf({ seed: first }, k));
      for (const [step, row] of runRows(s, smoothing)) {
        const cells = CSV_COLUMNS.map((c) => (c === 'run' ? id : c === 'run_name' ? name : c === 'seed' ? seed : c === 'step' ? String(step) : csvNumber(row[c])));
        lines.push(cells.join(','));
      }
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name for the CSV: only the time goes in (run names are user text). */
export function csvFileName(now: Date = new Date()): string {
  return `ire-playground-metrics-${now.toISOString().replace(/[:.]/g, '-')}.csv`;
}

/**
 * Parses RFC 4180 CSV (quoted fields with doubled quotes, CRLF or LF line ends) into rows of
 * cells. Used by the tests and by anything that reads an exported file back.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else cell += ch;
    i++;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
