// CSV export: header and columns, one row per run per step with eval and sharpness merged in,
// numbers in plain decimal/exponent form, user text quoted per RFC 4180 (round trip through the
// parser), formula-looking names defused.
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvNumber, csvText, metricsCsv, parseCsv } from '../../src/store/csv';
import { appendEval, appendSharpness, appendTrain, emaSmooth, emptyRunSeries, type RunSeries } from '../../src/store/series';
import { DEFAULT_COMPARISON, type RunConfig } from '../../src/train/config';

const NASTY = 'he said "hi", then\r\nleft <img src=x onerror=alert(1)>';

function runs(...names: string[]): RunConfig[] {
  return names.map((name, i) => ({ ...DEFAULT_COMPARISON.runs[Math.min(i, 1)], id: String.fromCharCode(65 + i), name }));
}

function seriesA(): RunSeries {
  const s = emptyRunSeries();
  for (let k = 1; k <= 4; k++) appendTrain(s.train, { runId: 'A', step: k, wallMs: k * 2.5, loss: 3 - k * 0.5, gradNorm: 1e-7 * k, lr: 0.003, maskFraction: 0, kappaEff: 0 });
  appendEval(s.eval, { runId: 'A', step: 2, wallMs: 5, valLoss: 2.25, valAcc: 0.5 });
  appendEval(s.eval, { runId: 'A', step: 6, wallMs: 15, valLoss: 2 }); // after the last training step
  appendSharpness(s.sharpness, { runId: 'A', step: 4, wallMs: 10, trace: 2.5e21, traceStderr: 0.125 });
  return s;
}

function seriesB(): RunSeries {
  const s = emptyRunSeries();
  for (let k = 1; k <= 3; k++) appendTrain(s.train, { runId: 'B', step: k, wallMs: k, loss: 2, gradNorm: 1, lr: 0.001, maskFraction: 0.6, kappaEff: k < 3 ? 4 : 7, stepsPerSec: 12.5 });
  appendSharpness(s.sharpness, { runId: 'B', step: 3, wallMs: 3, trace: -1.5, traceStderr: 0, topEig: 42, eosSharpness: 7.5, eosThreshold: 40 });
  return s;
}

describe('metrics CSV', () => {
  it('has a header row and one row per run per step with every metric in its column', () => {
    const text = metricsCsv({ config: { runs: runs('AdamW', 'AdmIRE') }, series: { A: seriesA(), B: seriesB() } }, 0.5);
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const body = rows.slice(1);
    expect(body.map((r) => `${r[col('run')]}${r[col('step')]}`)).toEqual(['A1', 'A2', 'A3', 'A4', 'A6', 'B1', 'B2', 'B3']);
    const a2 = body[1];
    expect(a2[col('run_name')]).toBe('AdamW');
    expect(a2[col('loss')]).toBe('2');
    expect(a2[col('grad_norm')]).toBe('2e-7');
    expect(a2[col('val_loss')]).toBe('2.25');
    expect(a2[col('val_acc')]).toBe('0.5');
    expect(a2[col('trace')]).toBe('');
    expect(a2[col('steps_per_sec')]).toBe('');
    expect(Number(a2[col('loss_smoothed')])).toBe(emaSmooth([2.5, 2], 0.5)[1]);
    const a4 = body[3];
    expect(a4[col('trace')]).toBe('2.5e+21');
    expect(a4[col('trace_stderr')]).toBe('0.125');
    expect(a4[col('top_eig')]).toBe('');
    const a6 = body[4]; // eval only
    expect(a6[col('loss')]).toBe('');
    expect(a6[col('wall_ms')]).toBe('15');
    expect(a6[col('val_loss')]).toBe('2');
    expect(body.slice(5).map((r) => r[col('kappa_eff')])).toEqual(['4', '4', '7']);
    expect(body[7][col('top_eig')]).toBe('42');
    expect([body[7][col('eos_sharpness')], body[7][col('eos_threshold')], a4[col('eos_threshold')]]).toEqual(['7.5', '40', '']);
    expect(body[7][col('trace')]).toBe('-1.5');
    expect(body[7][col('mask_fraction')]).toBe('0.6');
    for (const r of body) for (const c of CSV_COLUMNS.slice(3)) expect(r[col(c)]).toMatch(/^(-?\d+(\.\d+)?(e[+-]\d+)?)?$/);
  });

  it('quotes user text per RFC 4180 so that quotes, commas and line breaks round-trip', () => {
    const text = metricsCsv({ config: { runs: runs(NASTY) }, series: { A: seriesA() } }, 0);
    const rows = parseCsv(text);
    expect(rows.length).toBe(1 + 5);
    expect(rows[1][1]).toBe(NASTY);
    expect(text).toContain('"he said ""hi"", then\r\nleft <img src=x onerror=alert(1)>"');
  });

  it('defuses names a spreadsheet would evaluate as formulas', () => {
    expect(csvText('=HYPERLINK("http://e.x")')).toBe(`"'=HYPERLINK(""http://e.x"")"`);
    expect(csvText('+1')).toBe(`"'+1"`);
    expect(csvText('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvText('-2')).toBe(`"'-2"`);
    expect(csvText('AdamW')).toBe('"AdamW"');
  });

  it('writes absent and non-finite numbers as empty cells', () => {
    expect(csvNumber(null)).toBe('');
    expect(csvNumber(undefined)).toBe('');
    expect(csvNumber(Number.NaN)).toBe('');
    expect(csvNumber(0)).toBe('0');
    expect(csvNumber(-3e-9)).toBe('-3e-9');
  });

  it('writes every seed of a run with the seed it trained with (config.seed + s), seeds in order', () => {
    const csv = metricsCsv({ config: { runs: runs('A', 'B'), seed: 7, seeds: 2 }, series: { A: seriesA(), 'A#1': seriesB(), B: seriesB() } }, 0);
    const rows = parseCsv(csv).slice(1);
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    expect(rows.map((r) => `${r[col('run')]}:${r[col('seed')]}:${r[col('step')]}`)).toEqual(['A:7:1', 'A:7:2', 'A:7:3', 'A:7:4', 'A:7:6', 'A:8:1', 'A:8:2', 'A:8:3', 'B:7:1', 'B:7:2', 'B:7:3']);
    // Seed 1 of A carries its own series' values, not seed 0's.
    expect(rows.find((r) => r[col('run')] === 'A' && r[col('seed')] === '8' && r[col('step')] === '3')![col('kappa_eff')]).toBe('7');
  });

  it('skips runs without series and gives a header only for an empty comparison', () => {
    expect(metricsCsv({ config: { runs: runs('A', 'B') }, series: {} }, 0.9)).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
  });

  it('parses LF line ends, empty cells and a last line without a line end', () => {
    expect(parseCsv('a,b\n1,\n"x""y",2')).toEqual([
      ['a', 'b'],
      ['1', ''],
      ['x"y', '2'],
    ]);
  });
});
