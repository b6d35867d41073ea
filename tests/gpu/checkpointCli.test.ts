// The training CLI end to end on this adapter: outputs, checkpoints at chosen steps, --resume
// (into a fresh folder and into the original one) reproducing the uninterrupted run's metrics
// and final checkpoint byte for byte with the checkpoint's kernel choices, --dump-batches
// matching the sampler; a GPT whose architecture is not its preset's (scaled in PyTorch) resuming
// as its checkpoint's model.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchOffsets } from '../../src/data/sampler';
import { loadDatasetByName } from '../../src/data/node/load';
import { buildTextDataset } from '../../src/data/textDataset';
import { captureComparison, decodeRunCheckpoint, encodeRunCheckpoint } from '../../src/train/checkpoint';
import { Comparison } from '../../src/train/comparison';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, MODEL_PRESETS, type ComparisonConfig, type GptConfig } from '../../src/train/config';
import type { TrainingData } from '../../src/train/trainingData';
import { cliRunner } from '../helpers/cli';
import { useGpu } from '../helpers/gpu';

const dir = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run train, end to end', () => {
  const gpu = useGpu();

  const train = cliRunner(() => gpu().node);

  const rows = (path: string) =>
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
  /** metrics.csv without the wall-time column. */
  const withoutWall = (table: string[][]) => table.map((r) => r.filter((_, i) => i !== 2).join(','));

  it('two runs with IRE: checkpoints per run, resume bit-identical into a new folder and into the same one', async () => {
    const config = join(dir, 'toy.json');
    writeFileSync(
      config,
      JSON.stringify({
        model: 'toy-2d',
        runs: [
          { name: 'GD', optimizer: { base: 'sgd', lr: 1, minLr: 0.5, beta1: 0, weightDecay: 0, warmupSteps: 0, gradClip: 0, ire: { enabled: false } } },
          { name: 'IRE', optimizer: { base: 'sgd', lr: 1, minLr: 0.5, beta1: 0, weightDecay: 0, warmupSteps: 0, gradClip: 0, ire: { enabled: true, kappa: 90, gamma: 0.5, refreshEvery: 4, startStep: 0, kappaFollowsLr: false } } },
        ],
      }),
    );
    const a = join(dir, 'a');
    const first = await train(['--config', config, '--steps', '25', '--checkpoint-steps', '0,10,25', '--out', a]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    for (const f of ['config.json', 'metrics.csv', 'ckpt-0-A.safetensors', 'ckpt-0-B.safetensors', 'ckpt-10-A.safetensors', 'ckpt-10-B.safetensors', 'ckpt-25-B.safetensors']) {
      expect(existsSync(join(a, f)), f).toBe(true);
    }
    const full = rows(join(a, 'metrics.csv'));
    expect(full[0]).toEqual(['run', 'step', 'wall_s', 'lr', 'kappa', 'train_loss', 'grad_norm', 'mask_fraction', 'val_loss']);
    expect(full.length).toBe(1 + 2 * 25);
    expect(full.filter((r) => r[0] === 'B' && r[1] === '24')[0][4]).toBe('90');
    expect(first.out).toMatch(/step 25\/25 {2}[\d.]+ steps\/s {2}ETA 0s/);

    const b = join(dir, 'b');
    const resumed = await train(['--resume', join(a, 'ckpt-10-A.safetensors'), '--out', b, '--checkpoint-steps', '25']);
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    // The checkpoint's kernels, not a new tuning (which may pick others under load and change the last bits).
    expect(resumed.out).toMatch(/^kernels: as the checkpoint \(matmul \w+/m);
    for (const id of ['A', 'B']) expect(readFileSync(join(b, `ckpt-25-${id}.safetensors`)).equals(readFileSync(join(a, `ckpt-25-${id}.safetensors`))), id).toBe(true);
    const tail = rows(join(b, 'metrics.csv'));
    expect(withoutWall(tail)).toEqual(withoutWall([full[0], ...full.slice(1).filter((r) => Number(r[1]) >= 10)]));

    // Resuming into the run's own folder keeps the rows before the checkpoint: the file matches the uninterrupted one.
    const again = await train(['--resume', join(a, 'ckpt-10-B.safetensors'), '--checkpoint-steps', '25']);
    expect(again.code).toBe(0);
    expect(withoutWall(rows(join(a, 'metrics.csv')))).toEqual(withoutWall(full));
    expect(readFileSync(join(a, 'ckpt-25-A.safetensors')).equals(readFileSync(join(b, 'ckpt-25-A.safetensors')))).toBe(true);

    const missing = join(dir, 'lonely');
    rmSync(join(b, 'ckpt-25-B.safetensors'));
    const alone = await train(['--resume', join(b, 'ckpt-25-A.safetensors'), '--steps', '30', '--out', missing]);
    expect(alone.code).toBe(2);
    expect(alone.err).toMatch(/Checkpoint of run B \("[^"]*ckpt-25-B\.safetensors"\) is missing/);
  });

  it('a text model: validation rows at evaluation steps, a final evaluation row, batch dump = the sampler', async () => {
    const text = join(dir, 'corpus.txt');
    writeFileSync(text, 'It was the best of times, it was the worst of times; it was the age of wisdom. '.repeat(12));
    const out = join(dir, 'text');
    const dump = join(dir, 'batches.jsonl');
    const r = await train(['--preset', 'gpt-tiny', '--text', text, '--batch', '1', '--steps', '2', '--eval-every', '1', '--eval-batches', '1', '--final-eval-batches', '1', '--seed', '9', '--out', out, '--dump-batches', dump]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const table = rows(join(out, 'metrics.csv'));
    const col = (name: string) => table[0].indexOf(name);
    expect(table.length).toBe(4);
    expect(table.slice(1).map((row) => [row[col('step')], row[col('val_loss')] !== '', row[col('train_loss')] !== ''])).toEqual([
      ['0', true, true],
      ['1', true, true],
      ['2', true, false],
    ]);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ model: 'gpt-tiny', dataset: 'user-text', seed: 9, totalSteps: 2 });
    expect(r.out).toMatch(/run A: train loss [\d.]+, validation loss [\d.]+\n/);
    const lines = readFileSync(dump, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const corpus = buildTextDataset('corpus.txt', readFileSync(text, 'utf8'));
    expect(lines[0]).toEqual({ kind: 'token-windows', seed: 9, batchSize: 1, context: 64, tokens: corpus.train.length, split: 'train' });
    expect(lines.slice(1)).toEqual([0, 1].map((step) => ({ step, offsets: Array.from(batchOffsets(9, step, 1, corpus.train.length, 64)) })));
  });

  it('resumes a GPT whose layers, width, heads and context are not its preset\'s as the checkpoint\'s model, bit for bit; another vocabulary is named', async () => {
    const loaded = loadDatasetByName('moby-dick');
    if (loaded.kind !== 'text') throw new Error('moby-dick is a text dataset');
    const data: TrainingData = loaded;
    // What `python3 -m ire_playground.train --layers 1 --width 32 --heads 2 --context 16` writes: a gpt-tiny run of another size.
    const model: GptConfig = { kind: 'gpt', layers: 1, heads: 2, width: 32, context: 16, vocab: loaded.dataset.tokenizer.vocabSize, tiedHead: true };
    expect(model).not.toEqual({ ...MODEL_PRESETS['gpt-tiny'], vocab: model.vocab });
    const config: ComparisonConfig = {
      ...DEFAULT_COMPARISON,
      model: 'gpt-tiny',
      dataset: 'moby-dick',
      seed: 5,
      batchSize: 2,
      totalSteps: 8,
      evalEvery: 0,
      runs: [{ id: 'A', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 1, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 2, startStep: 1 } } }],
    };
    const { ctx, device } = gpu();
    const folder = join(dir, 'scaled');
    mkdirSync(folder, { recursive: true });
    /** Trains `first` steps, writes the checkpoint, trains on to `total`; returns the file and the last state's bytes. */
    const checkpointOf = async (trainData: TrainingData, m: GptConfig, first: number, total: number, name: string) => {
      const c = new Comparison(ctx, config, trainData, {}, { model: m });
      try {
        const steps = async (n: number) => {
          for (let i = 0; i < n; i++) await c.step();
          await c.drain();
        };
        await steps(first);
        const path = join(folder, name);
        writeFileSync(path, encodeRunCheckpoint(await captureComparison(device, c), 'A'));
        await steps(total - first);
        return { path, last: encodeRunCheckpoint(await captureComparison(device, c), 'A') };
      } finally {
        c.destroy();
      }
    };
    const { path: at3, last: straight } = await checkpointOf(data, model, 3, 5, 'ckpt-3.safetensors');

    const out = join(dir, 'scaled-resumed');
    const r = await train(['--resume', at3, '--steps', '5', '--final-eval-batches', '1', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const resumed = decodeRunCheckpoint(new Uint8Array(readFileSync(join(out, 'ckpt-5.safetensors'))), 'ckpt-5.safetensors');
    const expected = decodeRunCheckpoint(straight, 'straight');
    expect(resumed.meta.model).toEqual(model);
    expect(resumed.file.metadata).toEqual(expected.file.metadata);
    // Parameters, optimizer and IRE state bit for bit as the run that never stopped; run.metrics
    // differs only by the CLI's final evaluation, which accumulates into the loss slots.
    const names = [...expected.file.tensors.keys()].filter((k) => k !== 'run.metrics');
    expect(names).toEqual(expect.arrayContaining(['model.wte', 'model.h0.attn.qkv.w', 'optim.m.wte', 'ire.h.wte', 'ire.mask.wte']));
    expect([...resumed.file.tensors.keys()].sort()).toEqual([...expected.file.tensors.keys()].sort());
    const bytesOf = (t: { data: ArrayBufferView } | undefined) => (t ? Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength) : Buffer.alloc(0));
    for (const k of names) expect(bytesOf(resumed.file.tensors.get(k)).equals(bytesOf(expected.file.tensors.get(k))), k).toBe(true);

    // A model of another vocabulary (trained on other text) against Moby Dick: the vocabulary is named.
    const other: TrainingData = { kind: 'text', dataset: buildTextDataset('other.txt', 'abcdefgh ijklmnop. '.repeat(20)) };
    const small: GptConfig = { ...model, vocab: other.dataset.tokenizer.vocabSize };
    const { path: otherCkpt } = await checkpointOf(other, small, 1, 1, 'ckpt-1.safetensors');
    const refused = await train(['--resume', otherCkpt, '--steps', '2', '--out', join(dir, 'scaled-other')]);
    expect(refused.code).toBe(2);
    expect(refused.err).toBe(`train: The checkpoint's model has a vocabulary of ${small.vocab} characters, the text here gives ${model.vocab}; pass the same data (--text / --cifar-dir) as the original run\n`);
  });
});
