// `npm run train -- --seeds S` end to end on this adapter: every seed a lockstep comparison in
// seed-<n>/ (A and B of a seed start from the same parameters and see the same batches, so they
// agree step for step until IRE starts; seeds differ), each seed's metrics equal to a plain run of
// that seed bit for bit (so S = 1 is today's run), and the results table over seeds (docs/experiments.md, "Seeds and intervals").
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resultsOfFolder, seedRecordsOf } from '../../src/cli/resultsFolder';
import { buildResults, resultsCsv } from '../../src/train/results';
import { cliRunner } from '../helpers/cli';
import { useGpu } from '../helpers/gpu';

const dir = mkdtempSync(join(tmpdir(), 'cli-seeds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run train --seeds', () => {
  const gpu = useGpu();

  const train = cliRunner(() => gpu().node);

  /** metrics.csv rows without the wall-time column. */
  const metrics = (path: string) =>
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').filter((_, i) => i !== 2));

  const text = join(dir, 'text.txt');
  writeFileSync(text, 'the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. '.repeat(60));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      model: 'gpt-tiny',
      dataset: 'user-text',
      batchSize: 2,
      evalEvery: 0,
      runs: [
        { name: 'AdamW', optimizer: { base: 'adamw', lr: 3e-3, minLr: 3e-4, warmupSteps: 1 } },
        { name: 'AdmIRE', optimizer: { base: 'adamw', lr: 3e-3, minLr: 3e-4, warmupSteps: 1, ire: { enabled: true, kappa: 4, gamma: 0.6, refreshEvery: 2, startStep: 3 } } },
      ],
    }),
  );
  const base = ['--config', config, '--text', text, '--steps', '6', '--final-eval-batches', '1', '--seed', '5'];

  it('trains each seed in lockstep, writes the table, and a seed’s run equals the plain run of that seed', async () => {
    const seeds = join(dir, 'seeds');
    const r = await train([...base, '--seeds', '2', '--out', seeds]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = [5, 6].map((s) => metrics(join(seeds, `seed-${s}`, 'metrics.csv')));
    for (const table of rows) {
      const loss = (run: string, step: number) => table.find((x) => x[0] === run && x[1] === String(step))![4];
      // Same initial parameters and batches: A and B agree to the bit until IRE starts at step 3.
      for (const step of [0, 1, 2, 3]) expect(loss('B', step)).toBe(loss('A', step));
      expect(loss('B', 5)).not.toBe(loss('A', 5));
    }
    expect(rows[1][1]).not.toEqual(rows[0][1]); // another seed, other parameters and batches
    const results = readFileSync(join(seeds, 'results.csv'), 'utf8').trim().split('\n');
    expect(results[0]).toMatch(/^run,metric,seeds,n,mean,se/);
    expect(results.some((l) => l.startsWith('B,final_train_loss,2,2,'))).toBe(true);
    expect(JSON.parse(readFileSync(join(seeds, 'results.json'), 'utf8')).seeds).toEqual([5, 6]);
    expect(r.out).toContain('results over 2 seeds (5, 6)');
    // The table rebuilt from the seed folders (seeds trained by separate commands) is the one the CLI built as it trained.
    const rebuilt = resultsOfFolder(seeds);
    expect(resultsCsv(rebuilt.table)).toBe(readFileSync(join(seeds, 'results.csv'), 'utf8'));
    const written = JSON.parse(readFileSync(join(seeds, 'results.json'), 'utf8')) as { rows: { metric: string }[]; config: unknown };
    expect(JSON.parse(JSON.stringify(rebuilt.table.rows))).toEqual(written.rows);
    expect(written.rows.some((row) => row.metric === 'grad_evals_to_target')).toBe(true);
    expect(JSON.parse(JSON.stringify(rebuilt.config))).toEqual(written.config);

    // Each seed's comparison is the plain run of that seed: --seeds 1 (or the first of S) is today's run, bit for bit.
    const plain = join(dir, 'plain');
    expect((await train([...base, '--out', plain])).code).toBe(0);
    expect(metrics(join(seeds, 'seed-5', 'metrics.csv'))).toEqual(metrics(join(plain, 'metrics.csv')));
    expect(existsSync(join(plain, 'results.csv'))).toBe(false); // a plain run writes what it always wrote

    // A long run in parts: --stop-at 3 of 6 steps (no table yet), then --resume to the end, equals the run that never stopped.
    const parts = join(dir, 'parts');
    const first = await train([...base, '--seeds', '1', '--stop-at', '3', '--out', parts]);
    expect(first.code).toBe(0);
    expect(first.out).toContain('stopped at step 3 of 6');
    expect(existsSync(join(parts, 'results.csv'))).toBe(false);
    const rest = await train(['--resume', join(parts, 'seed-5', 'ckpt-3-A.safetensors'), '--text', text, '--steps', '6', '--final-eval-batches', '1']);
    expect(rest.err).toBe('');
    expect(metrics(join(parts, 'seed-5', 'metrics.csv'))).toEqual(metrics(join(plain, 'metrics.csv')));
    // Its table, once every part is done, is that of seed 5 trained in one go.
    expect(resultsCsv(resultsOfFolder(parts).table)).toBe(resultsCsv(buildResults([5], [seedRecordsOf(join(seeds, 'seed-5'), rebuilt.config).records])));
  });
});
