// The benchmark's report (bench/report.ts): the comparisons the bars are read from.
import { describe, expect, it } from 'vitest';
import { comparisons, formatComparisons, formatTable, INTERLEAVED, TRAIN_STEP } from '../../bench/report';
import type { BenchRow } from '../../bench/rows';

const step = (suite: string, impl: BenchRow['impl'], optimizer: string, ms: number): BenchRow => ({ suite, name: TRAIN_STEP, impl, optimizer, ms_per_step: ms });

describe('bench comparisons', () => {
  it('gives their time over ours per TF.js backend, and AdmIRE over AdamW', () => {
    const rows = [step('gpt-tiny', 'ours', 'adamw', 200), step('gpt-tiny', 'ours', 'admire', 220), step('gpt-tiny', 'tfjs-webgpu', 'adam', 9000), step('gpt-tiny', 'tfjs-wasm', 'adam', 1000)];
    rows.push({ suite: 'gpt-tiny', name: INTERLEAVED, impl: 'ours', optimizer: 'admire', ratio: 1.05 });
    const cs = comparisons(rows);
    expect(cs).toHaveLength(4);
    expect(cs.find((c) => c.what.includes('tfjs-webgpu'))?.speedup).toBeCloseTo(45, 10);
    expect(cs.find((c) => c.what.includes('tfjs-wasm'))?.speedup).toBeCloseTo(5, 10);
    expect(cs.find((c) => c.what.includes('separate'))?.ratio).toBeCloseTo(1.1, 10);
    expect(cs.find((c) => c.what.includes('interleaved'))?.ratio).toBe(1.05);
    expect(formatComparisons(cs)).toContain('45.00×');
  });

  it('says what is missing instead of a figure, and ignores profile and kernel rows', () => {
    const rows: BenchRow[] = [
      { suite: 'mlp', name: TRAIN_STEP, impl: 'ours', optimizer: 'adamw', error: 'boom' },
      step('mlp', 'tfjs-wasm', 'adam', 30),
      { suite: 'profile', name: 'mlp step', impl: 'ours', optimizer: 'adamw', ms_per_step: 5 },
      { suite: 'kernels', name: 'matmul 256 sharedTiles', impl: 'ours', optimizer: '-', gflops: 1, ms: 30 },
    ];
    const cs = comparisons(rows);
    expect(cs.map((c) => c.suite)).toEqual(['mlp', 'mlp']);
    expect(cs[0]).toMatchObject({ what: 'ours adamw vs tfjs-wasm adam', note: 'ours not measured' });
    expect(cs[0].speedup).toBeUndefined();
    expect(cs[1]).toMatchObject({ what: 'ours admire / adamw, separate', note: 'ours not measured' });
  });
});

describe('bench table', () => {
  it('prints every row with its headline figure, errors and pending slots included', () => {
    const rows: BenchRow[] = [
      { suite: 'kernels', name: 'matmul 512 registerBlocked', impl: 'ours', optimizer: '-', gflops: 12.345, ms: 21.7 },
      { suite: 'kernels', name: 'adamw update', impl: 'ours', optimizer: 'adamw', gbps: 3.21, ms: 4 },
      { ...step('gpt-tiny', 'tfjs-wasm', 'adam', 1234.56), tokens_per_s: 830 },
      { suite: 'cnn', name: TRAIN_STEP, impl: 'ours', optimizer: 'admire', error: 'timed out after 600 s' },
      { suite: 'cnn', name: TRAIN_STEP, impl: 'ours', optimizer: 'adamw', pending: 'not built' },
      { suite: 'profile', name: 'mlp step', impl: 'ours', optimizer: 'adamw', ms_per_step: 100, breakdown: [{ label: 'fc0', ms: 60, dispatches: 1 }] },
    ];
    const table = formatTable(rows);
    expect(table).toContain('12.35');
    expect(table).toContain('GFLOP/s');
    expect(table).toContain('3.21');
    expect(table).toContain('1234.6');
    expect(table).toContain('830 tok/s');
    expect(table).toContain('error: timed out after 600 s');
    expect(table).toContain('pending: not built');
    expect(table).toMatch(/60\.0%\s+60\.0 ms\s+1×\s+fc0/);
  });
});
