// Turns rows into what a person reads: the host block, one table line per row, and the
// comparisons the bars are about (ours vs TF.js per model, AdmIRE vs AdamW). Pure.
import type { BenchRow, HostInfo } from './rows';

export interface Comparison {
  suite: string;
  what: string; // 'ours adamw vs tfjs-webgpu adam'
  /** Their ms per step divided by ours: > 1 means ours is faster ("speedup"). */
  speedup?: number;
  /** For AdmIRE vs AdamW: AdmIRE ms / AdamW ms (the bar is ≤ 1.15); 'interleaved' is the one to read. */
  ratio?: number;
  note?: string; // why a figure is missing
}

function headline(r: BenchRow): { value: string; unit: string } {
  if (r.error) return { value: 'ERROR', unit: '' };
  if (r.pending) return { value: '-', unit: 'not measured' };
  if (r.gflops !== undefined) return { value: r.gflops.toFixed(2), unit: 'GFLOP/s' };
  if (r.gbps !== undefined) return { value: r.gbps.toFixed(2), unit: 'GB/s' };
  if (r.ms_per_step !== undefined) return { value: r.ms_per_step.toFixed(1), unit: 'ms/step' };
  if (r.ratio !== undefined) return { value: r.ratio.toFixed(3), unit: 'ratio' };
  if (r.ms !== undefined) return { value: r.ms.toFixed(1), unit: 'ms' };
  return { value: '?', unit: '' };
}

function rate(r: BenchRow): string {
  if (r.tokens_per_s !== undefined) return `${r.tokens_per_s.toFixed(0)} tok/s`;
  if (r.images_per_s !== undefined) return `${r.images_per_s.toFixed(0)} img/s`;
  if (r.ms !== undefined && (r.gflops !== undefined || r.gbps !== undefined)) return `${r.ms.toFixed(2)} ms`;
  return '';
}

/** Kernels of a profile row printed in the table (all of them go to the JSON). */
const BREAKDOWN_LINES = 12;

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function formatHost(h: HostInfo): string {
  return [
    `adapter   ${h.adapter}`,
    `browser   ${h.browser ?? '?'} (${h.userAgent})`,
    `cores     ${h.hardwareConcurrency}, crossOriginIsolated ${h.crossOriginIsolated}`,
    `date      ${h.date}`,
  ].join('\n');
}

export function formatTable(rows: readonly BenchRow[]): string {
  const head = ['suite', 'name', 'impl', 'optimizer', 'value', 'unit', 'rate', 'disp/step'];
  const body = rows.map((r) => {
    const h = headline(r);
    return [r.suite, r.name, r.impl, r.optimizer, h.value, h.unit, rate(r), r.dispatches_per_step?.toString() ?? ''];
  });
  const widths = head.map((_, i) => Math.max(head[i].length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i], i === 4 || i === 6 || i === 7)).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  rows.forEach((r, i) => {
    out.push(line(body[i]));
    const note = r.error ?? r.pending ?? r.detail;
    if (note) out.push(`    ${r.error ? 'error: ' : r.pending ? 'pending: ' : ''}${note}`);
    if (r.breakdown && r.ms_per_step) {
      for (const k of r.breakdown.slice(0, BREAKDOWN_LINES)) {
        const share = ((100 * k.ms) / r.ms_per_step).toFixed(1).padStart(5);
        out.push(`      ${share}%  ${k.ms.toFixed(1).padStart(9)} ms  ${k.dispatches.toFixed(0).padStart(3)}×  ${k.label}`);
      }
      if (r.breakdown.length > BREAKDOWN_LINES) out.push(`      … ${r.breakdown.length - BREAKDOWN_LINES} more kernels in the JSON`);
    }
  });
  return out.join('\n');
}

/** The row name of a training step; the comparisons are between those rows only. */
export const TRAIN_STEP = 'train step';
/** The row name of AdmIRE / AdamW timed alternately (bench/suites/training.ts). */
export const INTERLEAVED = 'admire/adamw interleaved';

const find = (rows: readonly BenchRow[], suite: string, impl: string, optimizer: string) =>
  rows.find((r) => r.name === TRAIN_STEP && r.suite === suite && r.impl === impl && r.optimizer === optimizer && r.ms_per_step !== undefined);

/** Ours (AdamW) vs each TF.js backend per training suite, and AdmIRE / AdamW. */
export function comparisons(rows: readonly BenchRow[]): Comparison[] {
  const out: Comparison[] = [];
  const steps = rows.filter((r) => r.name === TRAIN_STEP || r.name === INTERLEAVED);
  const suites = [...new Set(steps.map((r) => r.suite))];
  for (const suite of suites) {
    const ours = find(rows, suite, 'ours', 'adamw');
    for (const impl of ['tfjs-webgpu', 'tfjs-wasm'] as const) {
      const theirs = find(rows, suite, impl, 'adam');
      if (!theirs && !steps.some((r) => r.suite === suite && r.impl === impl)) continue;
      const what = `ours adamw vs ${impl} adam`;
      if (ours?.ms_per_step !== undefined && theirs?.ms_per_step !== undefined) {
        out.push({ suite, what, speedup: theirs.ms_per_step / ours.ms_per_step });
      } else {
        out.push({ suite, what, note: !ours ? 'ours not measured' : `${impl} not measured` });
      }
    }
    const interleaved = rows.find((r) => r.suite === suite && r.name === INTERLEAVED && r.ratio !== undefined);
    if (interleaved?.ratio !== undefined) out.push({ suite, what: 'ours admire / adamw, interleaved', ratio: interleaved.ratio });
    const admire = find(rows, suite, 'ours', 'admire');
    if (ours?.ms_per_step !== undefined && admire?.ms_per_step !== undefined) {
      out.push({ suite, what: 'ours admire / adamw, separate', ratio: admire.ms_per_step / ours.ms_per_step });
    } else if (steps.some((r) => r.suite === suite && r.impl === 'ours' && r.name === TRAIN_STEP)) {
      out.push({ suite, what: 'ours admire / adamw, separate', note: 'ours not measured' });
    }
  }
  return out;
}

export function formatComparisons(cs: readonly Comparison[]): string {
  return cs
    .map((c) => {
      const fig = c.speedup !== undefined ? `speedup ${c.speedup.toFixed(2)}× (their ms / our ms)` : c.ratio !== undefined ? `ratio ${c.ratio.toFixed(3)}` : `- (${c.note})`;
      return `${c.suite.padEnd(9)} ${c.what.padEnd(32)} ${fig}`;
    })
    .join('\n');
}
