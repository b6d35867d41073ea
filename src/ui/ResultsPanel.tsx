// The results table under the charts (src/store/results.ts): per run the final training and
// validation loss, accuracy, sharpness, and the steps and gradient evaluations to reach the first
// run's final loss, against the first run. Refreshed once a second while training, not per step.
import { useEffect, useState } from 'react';
import type { AppStore } from '../store/store';
import { download } from './download';
import { pageResults } from '../store/results';
import { resultsCsv, type ResultMetric, type ResultRow, type ResultsTable } from '../train/results';

const HEADINGS: Record<ResultMetric, string> = {
  final_train_loss: 'final train loss',
  val_loss: 'validation loss',
  val_acc: 'accuracy',
  trace: 'Hessian trace',
  top_eig: 'λ_max',
  steps_to_target: 'steps to target',
  grad_evals_to_target: 'gradient evaluations to target',
};

const fmtNumber = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : Number(x.toPrecision(4)).toString());

function cell(row: ResultRow | undefined, reference: string): string {
  if (!row) return '';
  // Accuracy in percent (and its difference in points), as the rest of the page shows it.
  const fmt = row.metric === 'val_acc' ? (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(2)}%`) : fmtNumber;
  const s = row.summary;
  let text = s.n === 0 ? (row.reach ? 'not reached' : '–') : `${fmt(s.mean)}${s.n > 1 ? ` ± ${fmt(s.se)}` : ''}`;
  if (row.difference && row.difference.n > 0) {
    const d = row.difference;
    text += ` (${row.runId} − ${reference} ${fmt(d.mean)}${d.n > 1 ? ` [${fmt(d.low)}, ${fmt(d.high)}]` : ''})`;
  }
  if (row.ratio && row.ratio.n > 0) text += ` (×${fmt(row.ratio.ratio)} of ${reference})`;
  return text;
}

export function ResultsPanel({ store }: { store: AppStore }) {
  const [table, setTable] = useState<ResultsTable | null>(null);
  useEffect(() => {
    let revision = -1;
    const refresh = () => {
      const s = store.getState();
      if (s.metricsRevision === revision) return;
      revision = s.metricsRevision;
      setTable(pageResults(s.config.runs, s.series, s.config));
    };
    refresh();
    const timer = setInterval(refresh, 1000);
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.config.runs !== prev.config.runs) {
        revision = -1;
        refresh();
      }
    });
    return () => {
      clearInterval(timer);
      unsubscribe();
    };
  }, [store]);
  if (!table) return null;
  const metrics = [...new Set(table.rows.map((r) => r.metric))];
  const runIds = [...new Set(table.rows.map((r) => r.runId))];
  const names = new Map(store.getState().config.runs.map((r) => [r.id, r.name]));
  return (
    <section className="results" aria-label="Results">
      <h3>Results</h3>
      <p className="muted">
        {table.seeds.length === 1 ? 'Seed' : `${table.seeds.length} seeds:`} {table.seeds.join(', ')}; the final training loss is the mean of the last {table.window} steps; the target is {table.reference}’s final loss
        {table.seeds.length === 1 ? '' : ' in each seed'}, {table.targets.map(fmtNumber).join(', ')}.{' '}
        {table.seeds.length === 1
          ? 'One seed gives no spread: set “seeds” in Advanced settings (or npm run train -- --seeds S) for mean ± s.e. and paired intervals (docs/experiments.md).'
          : 'Each value is the mean ± s.e. over seeds; B − A is paired seed by seed, with its 95 % interval (docs/experiments.md, “Seeds and intervals”).'}
      </p>
      <table data-testid="results-table">
        <thead>
          <tr>
            <th scope="col">run</th>
            {metrics.map((m) => (
              <th scope="col" key={m}>
                {HEADINGS[m]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runIds.map((id) => (
            <tr key={id} data-run={id}>
              <th scope="row">
                {id}: {names.get(id) ?? ''}
              </th>
              {metrics.map((m) => (
                <td key={m} data-metric={m}>
                  {cell(
                    table.rows.find((r) => r.runId === id && r.metric === m),
                    table.reference,
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" data-testid="results-csv" onClick={() => download(resultsCsv(table), 'text/csv', 'results.csv')}>
        Results CSV
      </button>{' '}
      <button type="button" data-testid="results-json" onClick={() => download(JSON.stringify(table, null, 2), 'application/json', 'results.json')}>
        Results JSON
      </button>

    </section>
  );
}
