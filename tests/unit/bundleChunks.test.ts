// The incremental save format of persistence.ts: rows past a cursor, and series rebuilt from
// chunks in order, equal the series they came from whatever the flush points were.
import { describe, expect, it } from 'vitest';
import { emptySeries } from '../../src/store/bundle';
import { rowsSince, seriesFromChunks, type ChunkRows, type SeriesCursor } from '../../src/store/persistence';
import { appendEval, appendTrain, type RunSeries } from '../../src/store/series';

function grow(series: Record<string, RunSeries>, id: string, from: number, to: number): void {
  const s = (series[id] ??= emptySeries());
  for (let k = from; k <= to; k++) {
    appendTrain(s.train, { runId: id, step: k, wallMs: k * 3, loss: 1 / k, gradNorm: k, lr: 0.1, maskFraction: k % 3 ? 0.5 : undefined });
    if (k % 4 === 0) appendEval(s.eval, { runId: id, step: k, wallMs: k * 3, valLoss: 2 / k });
  }
}

describe('persistence chunks', () => {
  it('rows since a cursor rebuild the series exactly, across flushes, forks and quiet flushes', () => {
    const series: Record<string, RunSeries> = {};
    let cursors: Record<string, SeriesCursor> = {};
    const chunks: ChunkRows[] = [];
    const flush = () => {
      const { rows, next } = rowsSince(series, cursors);
      if (rows) chunks.push(structuredClone(rows));
      cursors = next;
      return rows;
    };
    grow(series, 'A', 1, 5);
    grow(series, 'B', 1, 5);
    expect(Object.keys(flush()!)).toEqual(['A', 'B']);
    expect(flush()).toBeNull(); // nothing new
    grow(series, 'A', 6, 13);
    expect(Object.keys(flush()!)).toEqual(['A']);
    grow(series, 'B', 6, 13);
    grow(series, 'C', 14, 15); // a fork appears
    const third = flush()!;
    expect(Object.keys(third)).toEqual(['B', 'C']);
    expect(third.B.train.step).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
    expect(third.B.eval.step).toEqual([8, 12]);
    const rebuilt = seriesFromChunks(['A', 'B', 'C'], chunks);
    for (const id of ['A', 'B', 'C']) expect(rebuilt[id]).toEqual({ ...series[id], histogram: null });
    // A run unknown to the record is ignored; a known run without rows is empty.
    expect(seriesFromChunks(['A', 'Z'], chunks).Z).toEqual(emptySeries());
    expect(Object.keys(seriesFromChunks(['A'], chunks))).toEqual(['A']);
  });
});
