// Every model preset but gpt-small (presetsGptSmall.test.ts: minutes on SwiftShader), built as
// the CLI builds it, trains a few steps: the training loss falls, and the same seed gives the
// same bits (presetHarness.ts). Batches are small to keep SwiftShader fast; CIFAR-10 comes from
// small files in the official binary format written here (the class shows as a bright band).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { CIFAR10_IMAGE_BYTES, CIFAR10_RECORD_BYTES } from '../../src/data/cifar10';
import { Rng } from '../../src/util/rng';
import { useGpu } from '../helpers/gpu';
import { checkPreset } from './presetHarness';

const dir = mkdtempSync(join(tmpdir(), 'presets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CIFAR-10 binary batch: record = label byte, then 32×32 R, G, B planes; class k brightens rows 3k..3k+2. */
function cifarBatch(count: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(count * CIFAR10_RECORD_BYTES);
  for (let n = 0; n < count; n++) {
    const at = n * CIFAR10_RECORD_BYTES;
    const k = rng.int(10);
    out[at] = k;
    for (let i = 0; i < CIFAR10_IMAGE_BYTES; i++) {
      const y = Math.floor((i % 1024) / 32);
      out[at + 1 + i] = (Math.floor(y / 3) === k ? 190 : 30) + rng.int(50);
    }
  }
  return out;
}

function cifarDir(): string {
  const d = join(dir, 'cifar');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'data_batch_1.bin'), cifarBatch(48, 1));
  writeFileSync(join(d, 'test_batch.bin'), cifarBatch(16, 2));
  return d;
}

describe('model presets train', () => {
  const gpu = useGpu();

  it('gpt-tiny (Moby Dick)', async () => {
    await checkPreset(gpu().ctx, ['--preset', 'gpt-tiny', '--batch', '1', '--lr', '0.01'], 4, 2, 0.9);
  });

  it('mlp-mnist', async () => {
    await checkPreset(gpu().ctx, ['--preset', 'mlp-mnist', '--batch', '2', '--lr', '0.003'], 4, 2, 0.7);
  });

  it('cnn-mnist', async () => {
    await checkPreset(gpu().ctx, ['--preset', 'cnn-mnist', '--batch', '4', '--lr', '0.01'], 6, 3, 0.7);
  });

  it('cnn-cifar10 (generated files in the binary format)', async () => {
    await checkPreset(gpu().ctx, ['--preset', 'cnn-cifar10', '--cifar-dir', cifarDir(), '--batch', '4', '--lr', '0.01'], 6, 3, 0.7);
  });

  it('toy-2d', async () => {
    await checkPreset(gpu().ctx, ['--preset', 'toy-2d', '--optimizer', 'sgd', '--lr', '1'], 20, 20, 0.9);
  });
});
