// The chart builders are pure functions of store data: a run's colour and dash follow its id, the
// difference chart names its real reference (the first run), and each IRE run gets a marker at
// the step IRE switches on, resolved as the optimizer resolves it.
import type { PlotLayout, PlotTrace } from 'plotly.js-dist-min';
import { describe, expect, it } from 'vitest';
import { appendEval, appendSharpness, appendTrain, emptyRunSeries, type RunSeries } from '../../src/store/series';
import type { LogEvent, Prefs } from '../../src/store/store';
import { DEFAULT_ADAMW, DEFAULT_IRE, type IreConfig, type RunConfig } from '../../src/train/config';
import { buildFigure, chartTitle, type ChartInput, type ChartKind } from '../../src/ui/plots/figures';
import { DASHES, OKABE_ITO, runStyle } from '../../src/ui/plots/style';

const PREFS: Prefs = { smoothing: 0, logX: false, logY: false, xAxis: 'step', band: 'stderr', tab: 'compare' };

function run(id: string, name: string, ire: Partial<IreConfig> | null = null, warmupSteps = 50): RunConfig {
  return { id, name, optimizer: { ...DEFAULT_ADAMW, warmupSteps, ire: { ...DEFAULT_IRE, ...ire, enabled: ire !== null } } };
}

/** Steps from…n (steps done, as the worker reports them), wall time 100 ms per step. */
function trained(n: number, loss: (step: number) => number, from = 1): RunSeries {
  const s = emptyRunSeries();
  for (let step = from; step <= n; step++) appendTrain(s.train, { runId: '', step, wallMs: 100 * step, loss: loss(step), gradNorm: 1, lr: 1e-3 });
  return s;
}

const A = run('A', 'AdamW');
const B = run('B', 'AdmIRE', {});
const C = run('C', 'AdmIRE κ=8', { kappa: 8 });
const SERIES: Record<string, RunSeries> = { A: trained(40, (k) => 3 / k), B: trained(40, (k) => 2 / k), C: trained(40, (k) => 1 / k) };

/** Long enough for the IRE runs to reach their start steps (up to 200). */
const LONG: Record<string, RunSeries> = { A: trained(200, (k) => 3 / k), B: trained(200, (k) => 2 / k), C: trained(200, (k) => 1 / k) };

function input(runs: RunConfig[], extra: Partial<ChartInput> = {}): ChartInput {
  return { runs, series: SERIES, seeds: 1, events: [], prefs: PREFS, perStep: { count: 16, unit: 'examples' }, ...extra };
}

const lineOf = (t: PlotTrace) => t.line as { color: string; dash?: string };
const named = (data: PlotTrace[], prefix: string) => data.filter((t) => String(t.name).startsWith(prefix));
const shapesOf = (layout: PlotLayout) => layout.shapes as { x0: number; line: { color: string; dash: string } }[];
const annotationsOf = (layout: PlotLayout) => layout.annotations as { x: number; text: string; font: { color: string } }[];

describe('run styles follow the run id', () => {
  it('maps A, B, … and R27, R28, … onto the palette, whatever the position', () => {
    expect(runStyle('A')).toEqual({ color: OKABE_ITO[0], dash: DASHES[0] });
    expect(runStyle('B')).toEqual({ color: OKABE_ITO[1], dash: DASHES[1] });
    expect(runStyle('H')).toEqual({ color: OKABE_ITO[7], dash: DASHES[7] });
    // I shares A's colour but not its dash; R27 (the 27th id of nextRunId) continues after Z.
    expect(runStyle('I').color).toBe(OKABE_ITO[0]);
    expect(runStyle('I').dash).not.toBe(runStyle('A').dash);
    expect(runStyle('R27')).toEqual({ color: OKABE_ITO[26 % 8], dash: DASHES[(26 + 3) % 8] });
    expect(runStyle('R28').color).toBe(OKABE_ITO[27 % 8]);
    // Free-form ids (imported configs) get a palette entry too, the same one every time.
    expect(OKABE_ITO).toContain(runStyle('baseline').color);
    expect(runStyle('baseline')).toEqual(runStyle('baseline'));
  });

  it('keeps B’s colour and dash on every chart after A is removed', () => {
    const events: LogEvent[] = [{ kind: 'set', step: 10, runId: 'B', field: 'lr', old: 1e-3, new: 2e-3 }];
    const kinds: ChartKind[] = ['loss', 'lr', 'gradNorm'];
    for (const kind of kinds) {
      const before = buildFigure(kind, input([A, B, C], { events }));
      const after = buildFigure(kind, input([B, C], { events }));
      for (const fig of [before, after]) {
        const b = named(fig.data, 'B: ').filter((t) => t.showlegend !== false);
        expect(b.length, kind).toBe(1);
        expect(lineOf(b[0]).color, kind).toBe(OKABE_ITO[1]);
        expect(lineOf(b[0]).dash, kind).toBe(DASHES[1]);
        // B's event marker is drawn in B's colour too.
        expect(shapesOf(fig.layout).find((s) => s.line.dash === 'dot')?.line.color, kind).toBe(OKABE_ITO[1]);
      }
      expect(lineOf(named(after.data, 'C: ').filter((t) => t.showlegend !== false)[0]).color).toBe(OKABE_ITO[2]);
    }
  });
});

describe('legend', () => {
  it('lists each run’s bold line in its colour and dash, names as plain text, raw traces left out', () => {
    const hostile = run('A', '<img src=x onerror=alert(1)> & "q"');
    const fig = buildFigure('loss', input([hostile, B]));
    expect(fig.layout.showlegend).toBe(false);
    expect(fig.legend).toEqual([
      { text: 'A: <img src=x onerror=alert(1)> & "q"', color: OKABE_ITO[0], dash: DASHES[0], width: 2.5, marker: null },
      { text: 'B: AdmIRE', color: OKABE_ITO[1], dash: DASHES[1], width: 2.5, marker: null },
    ]);
    // Plotly still gets the escaped name (hover labels).
    expect(String(named(fig.data, 'A: ')[0].name)).toContain('&lt;img');
  });

  it('marks validation loss with circles and accuracy with diamonds', () => {
    const s = emptyRunSeries();
    s.eval = { step: [10], wallMs: [1000], valLoss: [0.5], valAcc: [0.9] };
    const fig = buildFigure('val', input([A], { series: { A: s } }));
    expect(fig.legend.map((e) => [e.text, e.marker])).toEqual([
      ['A: AdamW loss', 'circle'],
      ['A: AdamW accuracy', 'diamond'],
    ]);
  });
});

describe('loss difference chart', () => {
  it('is taken against A while A is the first run', () => {
    const fig = buildFigure('diff', input([A, B, C]));
    expect(fig.title).toBe('Loss difference vs A (AdamW)');
    expect((fig.layout.yaxis as PlotLayout).title).toMatchObject({ text: 'loss − loss(A)' });
    expect(fig.data.map((t) => t.name)).toEqual(['B: AdmIRE − A', 'C: AdmIRE κ=8 − A']);
  });

  it('names B as its reference once A is removed, without a B − B trace', () => {
    const fig = buildFigure('diff', input([B, C]));
    expect(fig.title).toBe('Loss difference vs B (AdmIRE)');
    expect(chartTitle('diff', [B, C])).toBe(fig.title);
    expect((fig.layout.yaxis as PlotLayout).title).toMatchObject({ text: 'loss − loss(B)' });
    expect(fig.data.map((t) => t.name)).toEqual(['C: AdmIRE κ=8 − B']);
    expect(lineOf(fig.data[0]).color).toBe(OKABE_ITO[2]);
    expect(fig.data[0].y).toEqual(SERIES.C.train.loss.map((l, k) => l - SERIES.B.train.loss[k]));
    expect(fig.summary).toMatch(/^C minus B at step 40: /);
    expect(fig.empty).toBe(false);
  });

  it('says there is nothing to compare with one run left', () => {
    const fig = buildFigure('diff', input([C]));
    expect(fig.empty).toBe(true);
    expect(fig.data).toEqual([]);
    expect(fig.title).toBe('Loss difference vs C (AdmIRE κ=8)');
    expect(fig.emptyText).toMatch(/nothing to compare/);
  });
});

describe('IRE start markers', () => {
  const ireMarkers = (fig: { layout: PlotLayout }) => ({
    shapes: shapesOf(fig.layout),
    texts: annotationsOf(fig.layout).filter((a) => a.text.startsWith('IRE on')),
  });

  it("marks 'warmup-end' at warmupSteps and a number at that step, in the run's colour", () => {
    const warm = run('B', 'AdmIRE', { startStep: 'warmup-end' }, 30);
    const fixed = run('C', 'late IRE', { startStep: 120 }, 30);
    for (const kind of ['loss', 'diff', 'mask'] as ChartKind[]) {
      const m = ireMarkers(buildFigure(kind, input([A, warm, fixed], { series: LONG })));
      expect(m.shapes.map((s) => [s.x0, s.line.color]), kind).toEqual([
        [30, OKABE_ITO[1]],
        [120, OKABE_ITO[2]],
      ]);
      expect(m.texts.map((a) => [a.x, a.text, a.font.color]), kind).toEqual([
        [30, 'IRE on (B) from step 30', OKABE_ITO[1]],
        [120, 'IRE on (C) from step 120', OKABE_ITO[2]],
      ]);
    }
  });

  it('draws a marker for the IRE run only: none for a run without IRE or with IRE disabled', () => {
    const disabled = run('C', 'IRE off', { startStep: 5 });
    disabled.optimizer.ire.enabled = false; // configured, but not enabled
    const m = ireMarkers(buildFigure('loss', input([A, disabled, B], { series: LONG })));
    expect(m.shapes.map((s) => [s.x0, s.line.color])).toEqual([[50, OKABE_ITO[1]]]);
    expect(m.texts.map((a) => a.text)).toEqual(['IRE on (B) from step 50']);
    expect(ireMarkers(buildFigure('loss', input([A, disabled], { series: LONG })))).toEqual({ shapes: [], texts: [] });
    // The histogram's x axis is h, not time: no step markers there.
    expect(ireMarkers(buildFigure('histogram', input([A, B], { series: LONG })))).toEqual({ shapes: [], texts: [] });
  });

  it('waits until the run reaches its start step (a marker past the data would stretch the x axis)', () => {
    const late = run('C', 'late IRE', { startStep: 120 });
    expect(ireMarkers(buildFigure('loss', input([A, late], { series: { A: LONG.A, C: trained(119, () => 1) } }))).shapes).toEqual([]);
    expect(ireMarkers(buildFigure('loss', input([A, late], { series: { A: LONG.A, C: trained(120, () => 1) } }))).shapes.map((s) => s.x0)).toEqual([120]);
  });

  it('uses the wall time of the start step on the wall-time axis, and skips a step the series lacks', () => {
    const wall: Prefs = { ...PREFS, xAxis: 'wall' };
    const early = run('B', 'AdmIRE', { startStep: 'warmup-end' }, 20);
    const forked = run('C', 'fork with IRE', { startStep: 50 }); // forked at step 100: its series starts at 101
    const series = { A: LONG.A, B: LONG.B, C: trained(200, () => 1, 101) };
    const m = ireMarkers(buildFigure('loss', input([A, early, forked], { prefs: wall, series })));
    expect(m.shapes.map((s) => s.x0)).toEqual([2]); // step 20 at 2000 ms
    expect(m.texts.map((a) => a.text)).toEqual(['IRE on (B) from step 20']);
    // On the step axis both are drawn.
    expect(ireMarkers(buildFigure('loss', input([A, early, forked], { series }))).shapes.map((s) => s.x0)).toEqual([20, 50]);
  });
});

describe('the edge-of-stability chart', () => {
  /** Sharpness at steps 0, 10, 20: the engine reports the edge from step 1 only. */
  function measured(sharp: number[], threshold: number[]): RunSeries {
    const s = trained(20, () => 1);
    [0, 10, 20].forEach((step, i) => appendSharpness(s.sharpness, { runId: '', step, wallMs: 100 * step, trace: 5, traceStderr: 1, topEig: 2, ...(i > 0 ? { eosSharpness: sharp[i - 1], eosThreshold: threshold[i - 1] } : {}) }));
    return s;
  }
  const sgd: RunConfig = { id: 'C', name: 'GD', optimizer: { ...DEFAULT_ADAMW, base: 'sgd', beta1: 0, ire: { ...DEFAULT_IRE, enabled: false } } };
  const sam: RunConfig = { id: 'D', name: 'SAM', optimizer: { ...DEFAULT_ADAMW, base: 'sam', ire: { ...DEFAULT_IRE, enabled: false } } };
  const series = { A: measured([1900, 3800], [38000, 38000]), B: measured([900, 3700], [38000, 38000]), C: measured([150, 198], [200, 200]), D: measured([], []) };

  it('draws each run’s eigenvalue and its threshold in the run’s colour, with a legend entry each; SAM only in the summary', () => {
    const f = buildFigure('stability', input([A, B, sgd, sam], { series }));
    expect(f.empty).toBe(false);
    expect(f.legend.map((e) => e.text)).toEqual([
      'A: AdamW λ_max(P⁻¹H)',
      'A: AdamW threshold 38/η',
      'B: AdmIRE λ_max(P⁻¹H)',
      'B: AdmIRE threshold 38/η',
      'C: GD λ_max(H)',
      'C: GD threshold 2/η',
    ]);
    expect(f.legend.map((e) => [e.color, e.dash, e.marker])).toEqual([
      [OKABE_ITO[0], DASHES[0], 'diamond'],
      [OKABE_ITO[0], 'dash', null],
      [OKABE_ITO[1], DASHES[1], 'diamond'],
      [OKABE_ITO[1], 'dash', null],
      [OKABE_ITO[2], DASHES[2], 'diamond'],
      [OKABE_ITO[2], 'dash', null],
    ]);
    // Step 0 has no edge (no learning rate applied yet): a gap, not a zero.
    expect(f.data[0].y).toEqual([null, 1900, 3800]);
    expect(f.data[1].y).toEqual([null, 38000, 38000]);
    expect(f.data[4].customdata).toEqual([null, 0.75, 0.99]);
    expect(f.summary).toBe(
      'A (AdamW) at step 20: λ_max(P⁻¹H) 3800, 0.1 × its threshold 38/η = 38000; B (AdmIRE) at step 20: λ_max(P⁻¹H) 3700, 0.09737 × its threshold 38/η = 38000; C (GD) at step 20: λ_max(H) 198, 0.99 × its threshold 2/η = 200; D (SAM): SAM has no edge-of-stability threshold',
    );
  });

  it('is empty before a measurement past step 0, and for SAM alone', () => {
    expect(buildFigure('stability', input([A, B])).empty).toBe(true);
    expect(buildFigure('stability', input([sam], { series })).empty).toBe(true);
    const onlyStepZero = trained(5, () => 1);
    appendSharpness(onlyStepZero.sharpness, { runId: 'A', step: 0, wallMs: 0, trace: 1, traceStderr: 0 });
    expect(buildFigure('stability', input([A], { series: { A: onlyStepZero } })).empty).toBe(true);
  });
});

describe('the cost-fair x axes', () => {
  /** Steps 1…n; `perStep` gradient evaluations a step, plus one at each step in `refreshes`. */
  function costed(n: number, loss: (step: number) => number, perStep: number, refreshes: number[] = []): RunSeries {
    const s = emptyRunSeries();
    let evals = 0;
    for (let step = 1; step <= n; step++) {
      evals += perStep + (refreshes.includes(step) ? 1 : 0);
      appendTrain(s.train, { runId: '', step, wallMs: 100 * step, loss: loss(step), gradNorm: 1, lr: 1e-3, gradEvals: evals });
    }
    return s;
  }
  const sam = run('B', 'SAM');
  const series = { A: costed(10, (k) => 10 - k, 1), B: costed(10, (k) => 10 - 2 * k, 2) };
  const xs = (fig: ReturnType<typeof buildFigure>) => fig.data.filter((t) => t.showlegend !== false).map((t) => t.x as number[]);

  it('draws each run against its own gradient evaluations, markers included', () => {
    const prefs: Prefs = { ...PREFS, xAxis: 'gradEvals' };
    const withRefresh = { ...series, A: costed(10, (k) => 10 - k, 1, [3]) };
    const fig = buildFigure('loss', input([A, sam], { prefs, series: withRefresh }));
    expect(xs(fig)[0]).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10, 11]); // the refresh at step 3 costs one more
    expect(xs(fig)[1]).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect((fig.layout.xaxis as { title: { text: string } }).title.text).toBe('gradient evaluations');
    // A validation point at step 4 stands at the run's cost of step 4.
    const s = structuredClone(withRefresh);
    appendEval(s.A.eval, { runId: 'A', step: 4, wallMs: 400, valLoss: 5 });
    expect(xs(buildFigure('val', input([A], { prefs, series: s })))[0]).toEqual([5]);
    // An edit logged at step 5 stands at the cost of step 5.
    const events = [{ kind: 'set', step: 5, runId: 'B', field: 'lr', old: 1e-3, new: 2e-3 } as LogEvent];
    const shapes = buildFigure('loss', input([A, sam], { prefs, series: withRefresh, events })).layout.shapes as { x0: number }[];
    expect(shapes.map((x) => x.x0)).toEqual([10]);
  });

  it('compares at equal cost on the gradient-evaluation axis, at equal steps elsewhere', () => {
    const atCost = buildFigure('diff', input([A, sam], { prefs: { ...PREFS, xAxis: 'gradEvals' }, series }));
    const [x] = xs(atCost);
    expect(x).toEqual([2, 4, 6, 8, 10]); // B's costs within A's range 1…10
    // At cost 2k, B's loss is 10 − 2k and A's (one evaluation a step) 10 − 2k: no difference.
    expect((atCost.data[0].y as number[]).every((d) => Math.abs(d) < 1e-12)).toBe(true);
    const atStep = buildFigure('diff', input([A, sam], { series }));
    expect(atStep.data[0].y).toEqual([-1, -2, -3, -4, -5, -6, -7, -8, -9, -10]); // per step B is ahead
  });

  it('counts examples, or tokens for text, seen', () => {
    const fig = buildFigure('loss', input([A], { prefs: { ...PREFS, xAxis: 'examples' }, series, perStep: { count: 1024, unit: 'tokens' } }));
    expect(xs(fig)[0].slice(0, 3)).toEqual([1024, 2048, 3072]);
    expect((fig.layout.xaxis as { title: { text: string } }).title.text).toBe('tokens seen');
  });
});

describe('several seeds: each run as its mean over seeds with a band', () => {
  const S = 3;
  /** Run `id`'s seeds 0…S−1 under their series keys, seed s's loss `loss(step, s)` (seed s stopping after `last(s)` steps). */
  function seeded(id: string, loss: (step: number, seed: number) => number, last: (seed: number) => number = () => 40): Record<string, RunSeries> {
    const out: Record<string, RunSeries> = {};
    for (let s = 0; s < S; s++) out[s === 0 ? id : `${id}#${s}`] = trained(last(s), (k) => loss(k, s));
    return out;
  }
  // A: seed s is 3/k + 0.1 s; B: 2/k + 0.3 s, its seed 2 stopped after 30 steps.
  const series = { ...seeded('A', (k, s) => 3 / k + 0.1 * s), ...seeded('B', (k, s) => 2 / k + 0.3 * s, (s) => (s === 2 ? 30 : 40)) };
  const seeds = (extra: Partial<ChartInput> = {}) => input([A, B], { series, seeds: S, ...extra });
  const bandsOf = (data: PlotTrace[]) => data.filter((t) => String(t.name).startsWith('band '));
  const meansOf = (data: PlotTrace[]) => data.filter((t) => t.showlegend !== false);

  it('draws one band and one mean per run on the loss chart, the mean the seeds’ mean', () => {
    const fig = buildFigure('loss', seeds());
    expect(bandsOf(fig.data).map((t) => t.name)).toEqual(['band A', 'band B']);
    expect(meansOf(fig.data).map((t) => t.name)).toEqual(['A: AdamW', 'B: AdmIRE']);
    expect(fig.data).toHaveLength(4); // no raw traces
    expect(fig.legend.map((l) => l.text)).toEqual(['A: AdamW', 'B: AdmIRE']);
    const [meanA, meanB] = meansOf(fig.data);
    expect(meanA.meta).toEqual({ band: 'stderr', seeds: 3 });
    // A at step k: (3/k + 3/k + 0.1 + 3/k + 0.2) / 3 = 3/k + 0.1.
    (meanA.y as number[]).forEach((y, i) => expect(y).toBeCloseTo(3 / (i + 1) + 0.1, 12));
    expect(meanA.x).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // B: three seeds to step 30 (mean 2/k + 0.3), seeds 0 and 1 after (mean 2/k + 0.15).
    const yB = meanB.y as number[];
    expect(yB[29]).toBeCloseTo(2 / 30 + 0.3, 12);
    expect(yB[30]).toBeCloseTo(2 / 31 + 0.15, 12);
    expect((meanB.customdata as number[]).slice(28, 32)).toEqual([3, 3, 2, 2]);
    expect(lineOf(meanB).color).toBe(OKABE_ITO[1]);
    expect(lineOf(meanB).dash).toBe(DASHES[1]);
  });

  it('shades ± 1 s.e. (or min–max) as one closed polygon in the run’s colour, out of legend and hover', () => {
    const fig = buildFigure('loss', seeds());
    const band = bandsOf(fig.data)[0];
    expect(band).toMatchObject({ fill: 'toself', showlegend: false, hoverinfo: 'skip', meta: { band: 'stderr', seeds: 3 } });
    expect(String(band.fillcolor)).toBe('rgba(0,114,178,0.18)'); // A's colour
    const x = band.x as number[];
    const y = band.y as number[];
    expect(x).toEqual([...Array.from({ length: 40 }, (_, i) => i + 1), ...Array.from({ length: 40 }, (_, i) => 40 - i)]);
    // Offsets 0, 0.1, 0.2: s = 0.1, s.e. = 0.1/√3; upper edge forward, lower edge back.
    const se = 0.1 / Math.sqrt(3);
    expect(y[0]).toBeCloseTo(3 + 0.1 + se, 12);
    expect(y[39]).toBeCloseTo(3 / 40 + 0.1 + se, 12);
    expect(y[40]).toBeCloseTo(3 / 40 + 0.1 - se, 12);
    expect(y[79]).toBeCloseTo(3 + 0.1 - se, 12);
    const minmax = bandsOf(buildFigure('loss', seeds({ prefs: { ...PREFS, band: 'minmax' } })).data)[0];
    expect((minmax.y as number[])[0]).toBeCloseTo(3.2, 12);
    expect((minmax.y as number[])[79]).toBeCloseTo(3, 12);
    expect(minmax.meta).toEqual({ band: 'minmax', seeds: 3 });
  });

  it('smooths each seed before averaging', () => {
    const smoothing = 0.5;
    const fig = buildFigure('loss', seeds({ prefs: { ...PREFS, smoothing } }));
    // The bias-corrected EMA of 2/k + 0.3 s is EMA(2/k) + 0.3 s. So B's mean is EMA(2/k) + 0.3
    // while its three seeds last, and EMA(2/k) + 0.15 from step 31 on, where seed 2 has stopped:
    // a step, not the smoothed jump that averaging first and smoothing after would draw.
    let e = 0;
    let c = 1;
    const ema = Array.from({ length: 40 }, (_, i) => ((e = smoothing * e + (1 - smoothing) * (2 / (i + 1))), (c *= smoothing), e / (1 - c)));
    (meansOf(fig.data)[1].y as number[]).forEach((y, i) => expect(y).toBeCloseTo(ema[i] + (i < 30 ? 0.3 : 0.15), 12));
  });

  it('says “mean of 3 seeds ± 1 s.e.” and the last mean in the summary', () => {
    const fig = buildFigure('loss', seeds());
    expect(fig.summary).toContain(`A (AdamW) at step 40: smoothed loss, mean of 3 seeds ± 1 s.e. ${Number((3 / 40 + 0.1).toPrecision(4))} ± `);
    expect(fig.summary).toContain('B (AdmIRE) at step 40: smoothed loss, mean of 2 of 3 seeds ± 1 s.e. ');
    expect(buildFigure('loss', seeds({ prefs: { ...PREFS, band: 'minmax' } })).summary).toContain('mean of 3 seeds 0.175, min–max 0.075–0.275');
  });

  it('draws the paired difference of every seed and their mean with its band', () => {
    const fig = buildFigure('diff', seeds());
    const faint = fig.data.filter((t) => String(t.name).startsWith('seed '));
    expect(faint.map((t) => t.name)).toEqual(['seed 0 B − A', 'seed 1 B − A', 'seed 2 B − A']);
    expect(faint.every((t) => t.showlegend === false && lineOf(t).color === 'rgba(213,94,0,0.35)')).toBe(true);
    // Seed s: (2/k + 0.3 s) − (3/k + 0.1 s) = −1/k + 0.2 s, seed 2 to step 30.
    (faint[1].y as number[]).forEach((d, i) => expect(d).toBeCloseTo(-1 / (i + 1) + 0.2, 12));
    expect(faint[2].y as number[]).toHaveLength(30);
    expect(bandsOf(fig.data).map((t) => t.name)).toEqual(['band B − A']);
    const [mean] = meansOf(fig.data);
    expect(mean.name).toBe('B: AdmIRE − A');
    expect(mean.meta).toEqual({ band: 'stderr', seeds: 3 });
    const y = mean.y as number[];
    expect(y[0]).toBeCloseTo(-1 + 0.2, 12); // mean of −1, −0.8, −0.6
    expect(y[35]).toBeCloseTo(-1 / 36 + 0.1, 12); // seeds 0 and 1 only
    expect(fig.summary).toContain('B minus A at step 40: paired difference (smoothed), mean of 2 of 3 seeds ± 1 s.e. ');
  });

  it('pairs the seeds at equal cost on the gradient-evaluation axis', () => {
    /** Steps 1…n with `perStep` gradient evaluations a step. */
    const costed = (n: number, loss: (k: number) => number, perStep: number): RunSeries => {
      const s = emptyRunSeries();
      for (let step = 1; step <= n; step++) appendTrain(s.train, { runId: '', step, wallMs: 100 * step, loss: loss(step), gradNorm: 1, lr: 1e-3, gradEvals: perStep * step });
      return s;
    };
    const sam = run('B', 'SAM');
    const atCost: Record<string, RunSeries> = {};
    for (let s = 0; s < S; s++) {
      atCost[s === 0 ? 'A' : `A#${s}`] = costed(10, (k) => 100 - k + s, 1);
      atCost[s === 0 ? 'B' : `B#${s}`] = costed(10, (k) => 50 - k + 2 * s, 2);
    }
    const fig = buildFigure('diff', input([A, sam], { series: atCost, seeds: S, prefs: { ...PREFS, xAxis: 'gradEvals' } }));
    // At cost 2k (B's step k), A's loss is 100 − 2k + s: the difference is k − 50 + s, its mean k − 49.
    const [mean] = meansOf(fig.data);
    expect(mean.x).toEqual([2, 4, 6, 8, 10]);
    (mean.y as number[]).forEach((d, i) => expect(d).toBeCloseTo(i + 1 - 49, 12));
    expect(fig.summary).toContain('B minus A at 10 gradient evaluations');
  });

  it('draws validation, sharpness and gradient norm as means with bands too', () => {
    const s = structuredClone(series);
    for (let k = 0; k < S; k++) {
      const key = k === 0 ? 'A' : `A#${k}`;
      appendEval(s[key].eval, { runId: 'A', step: 20, wallMs: 2000, valLoss: 1 + k, valAcc: 0.5 + 0.1 * k });
      appendSharpness(s[key].sharpness, { runId: 'A', step: 20, wallMs: 2000, trace: 10 * (k + 1), traceStderr: 1, topEig: 2 + k });
    }
    const val = buildFigure('val', input([A], { series: s, seeds: S }));
    expect(bandsOf(val.data).map((t) => t.name)).toEqual(['band A loss', 'band A accuracy']);
    expect(meansOf(val.data).map((t) => (t.y as number[])[0])).toEqual([2, expect.closeTo(0.6, 12)]);
    expect(bandsOf(val.data)[1].yaxis).toBe('y2');
    expect(val.layout.yaxis2).toBeDefined();
    const sharp = buildFigure('sharpness', input([A], { series: s, seeds: S }));
    expect(bandsOf(sharp.data).map((t) => t.name)).toEqual(['band A trace', 'band A top eigenvalue']);
    expect(meansOf(sharp.data).map((t) => (t.y as number[])[0])).toEqual([20, 3]);
    expect(sharp.summary).toContain('Hessian trace, mean of 3 seeds ± 1 s.e. 20 ± 5.774');
    expect(bandsOf(buildFigure('gradNorm', seeds()).data)).toHaveLength(2);
    // The learning rate is the same schedule in every seed: drawn once per run, as with one seed.
    expect(buildFigure('lr', seeds()).data).toHaveLength(2);
  });

  it('ignores other seeds’ series when there is one seed', () => {
    for (const kind of ['loss', 'diff', 'val', 'gradNorm'] as ChartKind[]) {
      const withSeeds = buildFigure(kind, input([A, B], { series }));
      const plain = buildFigure(kind, input([A, B], { series: { A: series.A, B: series.B } }));
      expect(withSeeds, kind).toEqual(plain);
    }
  });
});
