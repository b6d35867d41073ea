// The results table of a folder of seeds (docs/experiments.md, "Seeds and intervals"), read back
// from what each seed wrote: seed-<n>/config.json, metrics.csv and sharpness.csv. `npm run train
// -- --seeds S` builds the same table from memory as it trains; this rebuilds it, equal to the
// digit, when the seeds were trained by separate commands: a long run continued with `--resume`
// over several sessions, one seed at a time, or runs of the PyTorch port (docs/pytorch.md) whose
// metrics.csv files of one seed are put together in seed-<n>/.
//
//   npx tsx scripts/scenario-results.ts OUT      (writes OUT/results.csv and OUT/results.json)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { refreshDue, ireActive } from '../optim/ire';
import { BASE_OPTIMIZER_INFO, ireStartStep, type OptimizerConfig } from '../optim/optimizerConfig';
import type { ComparisonConfig } from '../train/config';
import { validateConfig } from '../train/configSchema';
import { buildResults, resultsCsv, resultsText, type ResultsTable, type SeedRunRecord } from '../train/results';

/**
 * Gradient evaluations after each of the first `steps` steps of a run with fixed settings (a CLI
 * run has no live edits): its base optimizer's per step, and one more at each IRE refresh, as
 * `Run.gradientEvaluations` counts them.
 */
export function gradientEvaluationCurve(o: OptimizerConfig, steps: number): number[] {
  const perStep = BASE_OPTIMIZER_INFO[o.base].gradientsPerStep;
  const ire = { startStep: ireStartStep(o), kappa: o.ire.enabled ? o.ire.kappa : 0, refreshEvery: o.ire.refreshEvery };
  const curve: number[] = [];
  let refreshes = 0;
  let last: number | undefined;
  for (let t = 0; t < steps; t++) {
    if (ireActive(ire, t) && refreshDue(ire, t, last)) {
      refreshes++;
      last = t;
    }
    curve.push((t + 1) * perStep + refreshes);
  }
  return curve;
}

/** A CSV file as rows of named cells (no quoting: the CLI writes none). */
export function readCsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

/** One seed's records, in the config's run order, and its wall time (the last wall_s), from seed-<n>/. */
export function seedRecordsOf(dir: string, config: ComparisonConfig): { records: SeedRunRecord[]; wallSeconds: number } {
  const records = new Map<string, SeedRunRecord>(config.runs.map((r) => [r.id, { runId: r.id, curve: [] }]));
  const losses = new Map<string, { step: number; loss: number }[]>(config.runs.map((r) => [r.id, []]));
  let wallSeconds = 0;
  for (const row of readCsv(join(dir, 'metrics.csv'))) {
    wallSeconds = Math.max(wallSeconds, Number(row.wall_s) || 0);
    const rec = records.get(row.run);
    if (!rec) throw new Error(`${dir}/metrics.csv: run "${row.run}" is not in config.json (runs ${config.runs.map((r) => r.id).join(', ')})`);
    if (row.lr === '') {
      // An evaluation of its own: the final one is the last.
      rec.valLoss = Number(row.val_loss);
      rec.valAcc = row.val_acc !== undefined && row.val_acc !== '' ? Number(row.val_acc) : undefined;
      continue;
    }
    const loss = Number(row.train_loss);
    if (Number.isFinite(loss) && Number.isFinite(Number(row.grad_norm))) losses.get(row.run)!.push({ step: Number(row.step), loss });
    else rec.divergedAt ??= Number(row.step);
  }
  for (const r of config.runs) {
    const points = losses.get(r.id)!;
    const evals = gradientEvaluationCurve(r.optimizer, points.reduce((m, p) => Math.max(m, p.step + 1), 0));
    records.get(r.id)!.curve = points.map((p) => ({ step: p.step + 1, gradEvals: evals[p.step], loss: p.loss }));
  }
  const sharpness = join(dir, 'sharpness.csv');
  if (existsSync(sharpness)) {
    for (const row of readCsv(sharpness)) {
      const rec = records.get(row.run);
      if (rec) Object.assign(rec, { trace: Number(row.trace), topEig: row.top_eig === '' ? undefined : Number(row.top_eig) });
    }
  }
  return { records: [...records.values()], wallSeconds };
}

export interface FolderResults {
  table: ResultsTable;
  config: ComparisonConfig;
  /** The seeds' wall times added up (each seed's last wall_s, training and measurements, without the CLI's start-up). */
  wallSeconds: number;
}

/** The seeds of every seed-<n>/ in `dir` that holds a metrics.csv, in seed order. */
export function seedFolders(dir: string): number[] {
  const seeds = readdirSync(dir)
    .map((d) => /^seed-(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(dir, m[0], 'metrics.csv')))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  if (seeds.length === 0) throw new Error(`${dir} holds no seed-<n>/metrics.csv (run the CLI with --seeds or --scenario)`);
  return seeds;
}

/** The table of every seed-<n>/ in `dir` (in seed order). */
export function resultsOfFolder(dir: string): FolderResults {
  const seeds = seedFolders(dir);
  let config: ComparisonConfig | undefined;
  let wallSeconds = 0;
  const records = seeds.map((seed) => {
    const sub = join(dir, `seed-${seed}`);
    const checked = validateConfig(JSON.parse(readFileSync(join(sub, 'config.json'), 'utf8')));
    if (!checked.ok) throw new Error(`${sub}/config.json: ${checked.errors.join('; ')}`);
    config ??= checked.config;
    const { records: seedRecords, wallSeconds: seedWall } = seedRecordsOf(sub, checked.config);
    wallSeconds += seedWall;
    return seedRecords;
  });
  // The comparison as --seeds S states it: the first seed's config, with S seeds.
  return { table: buildResults(seeds, records), config: { ...config!, seeds: seeds.length }, wallSeconds };
}

/** results.csv and results.json into `dir`, as `npm run train -- --seeds S` writes them; returns the text of the table. */
export function writeResults(dir: string, table: ResultsTable, meta: { wallSeconds: number; config: ComparisonConfig; scenario: string | null }): string {
  writeFileSync(join(dir, 'results.csv'), resultsCsv(table));
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ ...table, ...meta }, null, 2) + '\n');
  return resultsText(table);
}
