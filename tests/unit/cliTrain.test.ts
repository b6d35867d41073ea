import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDuration, ProgressLine } from '../../src/cli/progress';
import { CliError, parseTrainArgs } from '../../src/cli/trainArgs';
import { main } from '../../src/cli/trainMain';
import { buildConfig, checkpointFileName, checkResumeData, loadData, modelOverride, PRESET_BUDGETS, resumeWithTrainSubset } from '../../src/cli/trainSetup';
import type { ComparisonState } from '../../src/train/checkpoint';
import type { ModelConfig } from '../../src/train/config';
import { ImageBatcher } from '../../src/data/batch';
import { DataError } from '../../src/data/errors';
import { withTrainSubset } from '../../src/data/imageDataset';
import { bandDataset } from '../helpers/syntheticData';

const dir = mkdtempSync(join(tmpdir(), 'cli-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Runs the CLI with a GPU that must never be opened; returns the exit code and stderr. */
async function run(argv: string[]): Promise<{ code: number; err: string; out: string; gpuOpened: boolean }> {
  let err = '';
  let out = '';
  let gpuOpened = false;
  const code = await main(argv, {
    stdout: { write: (t) => void (out += t), isTTY: false },
    stderr: { write: (t) => void (err += t) },
    createGpu: () => {
      gpuOpened = true;
      return Promise.reject(new Error('the GPU must not be opened for bad input'));
    },
  });
  return { code, err, out, gpuOpened };
}

async function expectRefused(argv: string[], message: RegExp): Promise<void> {
  const r = await run(argv);
  expect(r.gpuOpened).toBe(false);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/^train: /);
  expect(r.err).toMatch(message);
}

describe('train CLI: flags', () => {
  it('parses every flag, in both --flag value and --flag=value forms', () => {
    const a = parseTrainArgs(['--preset', 'cnn-mnist', '--optimizer=admire', '--steps', '500', '--seed', '1', '--out', 'runs/a', '--lr=0.002', '--kappa', '3', '--gamma', '0.8']);
    expect(a).toMatchObject({ preset: 'cnn-mnist', optimizer: 'admire', steps: 500, seed: 1, out: 'runs/a', lr: 0.002, kappa: 3, gamma: 0.8, evalBatches: 8 });
    const b = parseTrainArgs(['--checkpoint-steps', '500,0, 100', '--eval-every', '0', '--dump-batches', 'b.jsonl', '--final-eval-batches', '3']);
    expect(b.checkpointSteps).toEqual([0, 100, 500]);
    expect(b).toMatchObject({ evalEvery: 0, dumpBatches: 'b.jsonl', finalEvalBatches: 3 });
    expect(parseTrainArgs(['--text', 'a.txt']).dataset).toBe('user-text');
    expect(parseTrainArgs(['--help']).help).toBe(true);
  });

  it('names the flag and the problem', () => {
    const cases: [string[], RegExp][] = [
      [['--preset', 'gpt-huge'], /unknown preset "gpt-huge" \(known: gpt-tiny, gpt-small, mlp-mnist, cnn-mnist, cnn-cifar10, toy-2d\)/],
      [['--lr', '-0.1'], /--lr -0.1: the learning rate must be a number in \(0, 10\]/],
      [['--lr=-1'], /--lr -1: the learning rate must be/],
      [['--lr', 'fast'], /--lr fast: not a number/],
      [['--steps', '2.5'], /--steps 2.5: must be an integer in \[1, 10000000\]/],
      [['--gamma', '1.5'], /--gamma 1.5: γ must be a number in \[0, 1\]/],
      [['--frobnicate'], /unknown option "--frobnicate"/],
      [['--optimizer', 'adam'], /unknown optimizer "adam" \(known: adamw, sgd, sam, admire, sgd-ire, sam-ire\)/],
      [['--dataset', 'imagenet'], /unknown dataset "imagenet"/],
      [['--steps'], /--steps needs a value/],
      [['--steps', '--seed', '1'], /--steps needs a value/],
      [['--seed', '1', '--seed', '2'], /--seed is given twice/],
      [['train.json'], /unexpected argument "train.json"/],
      [['--checkpoint-steps', '0,ten'], /"ten" is not a step number/],
      [['--resume', 'c.safetensors', '--lr', '0.1'], /--lr cannot be combined with --resume/],
      [['--resume', 'c.safetensors', '--stop-at', '10'], /--stop-at is for a fresh run: with --resume, --steps N is the step to stop at/],
      [['--stop-at', '0'], /--stop-at 0: must be an integer in \[1, 10000000\]/],
      [['--config', 'c.json', '--optimizer', 'sgd'], /--optimizer cannot be combined with --config/],
      [['--text', 'a.txt', '--dataset', 'mnist'], /--text is for --dataset user-text/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseTrainArgs(argv), argv.join(' ')).toThrow(CliError);
      expect(() => parseTrainArgs(argv), argv.join(' ')).toThrow(message);
    }
  });

  it('gives gpt presets the κ and γ the experiment recommends (docs/experiments.md), flags still win', () => {
    const c = buildConfig(parseTrainArgs(['--preset', 'gpt-tiny', '--optimizer', 'admire', '--steps', '10']));
    expect(c.runs[0].optimizer.ire).toMatchObject({ enabled: true, kappa: 2, gamma: 0.8 });
    const d = buildConfig(parseTrainArgs(['--preset', 'gpt-tiny', '--optimizer', 'admire', '--steps', '10', '--kappa', '5']));
    expect(d.runs[0].optimizer.ire).toMatchObject({ kappa: 5, gamma: 0.8 });
  });

  it('builds a validated single-run config from a preset and an optimizer', () => {
    const c = buildConfig(parseTrainArgs(['--preset', 'cnn-mnist', '--optimizer', 'sgd-ire', '--steps', '300', '--kappa', '2', '--seed', '5']));
    expect(c).toMatchObject({ model: 'cnn-mnist', dataset: 'mnist', seed: 5, totalSteps: 300, batchSize: PRESET_BUDGETS['cnn-mnist'].batch });
    expect(c.runs).toHaveLength(1);
    expect(c.runs[0].optimizer).toMatchObject({ base: 'sgd', warmupSteps: 30, ire: { enabled: true, kappa: 2 } });
    const d = buildConfig(parseTrainArgs([]));
    expect(d).toMatchObject({ model: 'gpt-tiny', dataset: 'moby-dick', totalSteps: 2000 });
    expect(d.runs[0]).toMatchObject({ name: 'AdamW', optimizer: { base: 'adamw', ire: { enabled: false } } });
  });

  it('takes a partial config file with several runs; flags override it', () => {
    const path = file('two.json', JSON.stringify({ model: 'mlp-mnist', batchSize: 8, runs: [{ name: 'plain' }, { name: 'ire', optimizer: { ire: { gamma: 0.7 } } }] }));
    const c = buildConfig(parseTrainArgs(['--config', path, '--steps', '120', '--lr', '0.001']));
    expect(c).toMatchObject({ model: 'mlp-mnist', dataset: 'mnist', batchSize: 8, totalSteps: 120 });
    expect(c.runs.map((r) => [r.id, r.name, r.optimizer.lr, r.optimizer.ire.enabled, r.optimizer.ire.gamma])).toEqual([
      ['A', 'plain', 0.001, false, 0.6],
      ['B', 'ire', 0.001, true, 0.7],
    ]);
    expect(checkpointFileName(100, 'B', 2)).toBe('ckpt-100-B.safetensors');
    expect(checkpointFileName(100, 'A', 1)).toBe('ckpt-100.safetensors');
  });
});

describe('train CLI: --train-subset (full-batch training)', () => {
  it('sets the batch to the subset, over a config file too, and names every conflict', () => {
    expect(parseTrainArgs(['--train-subset', '512']).trainSubset).toBe(512);
    expect(parseTrainArgs(['--lanczos-steps', '40']).lanczosSteps).toBe(40);
    expect(() => parseTrainArgs(['--lanczos-steps', '0'])).toThrow(/--lanczos-steps 0: must be an integer in \[1, 200\]/);
    const c = buildConfig(parseTrainArgs(['--preset', 'mlp-mnist', '--train-subset', '512', '--steps', '10']));
    expect(c).toMatchObject({ model: 'mlp-mnist', dataset: 'mnist', batchSize: 512, trainSubset: 512 });
    expect(buildConfig(parseTrainArgs(['--preset', 'mlp-mnist'])).trainSubset).toBe(0); // the whole training split
    expect(buildConfig(parseTrainArgs(['--preset', 'mlp-mnist', '--train-subset', '512', '--batch', '512'])).batchSize).toBe(512);
    const path = file('subset.json', JSON.stringify({ model: 'mlp-mnist', batchSize: 8 }));
    expect(buildConfig(parseTrainArgs(['--config', path, '--train-subset', '100'])).batchSize).toBe(100);
    const cases: [string[], RegExp][] = [
      [['--train-subset', '0'], /--train-subset 0: must be an integer in \[1, 4096\]/],
      [['--train-subset', '5000'], /--train-subset 5000: must be an integer in \[1, 4096\]/],
      [['--train-subset', 'all'], /--train-subset all: must be an integer/],
      [['--train-subset', '512', '--batch', '64'], /--batch 64 cannot be combined with --train-subset 512: a subset trains full-batch \(leave --batch out, or give --batch 512\)/],
    ];
    for (const [argv, message] of cases) expect(() => parseTrainArgs(argv), argv.join(' ')).toThrow(message);
    expect(() => buildConfig(parseTrainArgs(['--preset', 'gpt-tiny', '--train-subset', '16']))).toThrow(/--train-subset is for image datasets \(mnist, cifar10\), not "moby-dick"/);
  });

  it('keeps the first N training images (the test split whole) and refuses more than the split holds', () => {
    const d = bandDataset(64, 32);
    const s = withTrainSubset(d, 16);
    expect(s.train.count).toBe(16);
    expect(s.train.labels).toEqual(d.train.labels.subarray(0, 16));
    expect(s.train.pixels).toEqual(d.train.pixels.subarray(0, 16 * 784));
    expect(s.test).toBe(d.test);
    expect(() => withTrainSubset(d, 65)).toThrow(DataError);
    expect(() => withTrainSubset(d, 65)).toThrow(/a training subset of 65 images is larger than the training split \(64 images\)/);
    // loadData: the config's subset of MNIST's 8,000 training digits (minibatches of it too: the batch need not be N).
    const config = buildConfig(parseTrainArgs(['--preset', 'mlp-mnist', '--train-subset', '40']));
    const data = loadData(config, {});
    expect(data.kind === 'image' && [data.dataset.train.count, data.dataset.test.count]).toEqual([40, 2000]);
    const minibatches = loadData({ ...config, batchSize: 8 }, {});
    expect(minibatches.kind === 'image' && minibatches.dataset.train.count).toBe(40);
    const whole = loadData({ ...config, trainSubset: 0 }, {});
    expect(whole.kind === 'image' && whole.dataset.train.count).toBe(8000);
  });

  it('--resume keeps the checkpoint\'s trainSubset; --train-subset is needed only for a checkpoint written before the field, whose batch must be N', () => {
    const config = buildConfig(parseTrainArgs(['--preset', 'mlp-mnist', '--train-subset', '40']));
    const state = (c: typeof config): ComparisonState => ({ step: 3, config: c, model: { kind: 'mlp', inputs: 784, hidden: [256, 256], classes: 10 }, events: [], runs: [] });
    const current = state(config);
    expect(resumeWithTrainSubset(current, undefined)).toBe(current);
    expect(resumeWithTrainSubset(current, 40)).toBe(current);
    expect(() => resumeWithTrainSubset(current, 50)).toThrow(/--train-subset 50: the checkpoint trained on the first 40 training images \(its config's trainSubset\); leave --train-subset out to keep them/);
    const older = state({ ...config, trainSubset: 0 }); // a checkpoint of a --train-subset 40 run written before the field
    expect(resumeWithTrainSubset(older, 40).config.trainSubset).toBe(40);
    expect(resumeWithTrainSubset(older, undefined).config.trainSubset).toBe(0);
    expect(() => resumeWithTrainSubset(state({ ...config, trainSubset: 0, batchSize: 64 }), 40)).toThrow(/--train-subset 40 trains full-batch, but the run's batch is 64/);
  });

  it('full batch: every step feeds the same N examples (a permutation of them), and their pixels and labels', () => {
    const N = 24;
    const subset = withTrainSubset(bandDataset(64, 8), N);
    const b = new ImageBatcher(subset, 'train', N, 7);
    const rowsOf = (x: ImageBatcher) => Array.from({ length: N }, (_, r) => `${x.labels[r]}:${x.images.subarray(r * 784, (r + 1) * 784).join(',')}`).sort();
    const first = rowsOf(b.fill(0));
    const orders = new Set<string>();
    for (const step of [0, 1, 2, 17, 500]) {
      b.fill(step);
      expect([...b.indices].sort((x, y) => x - y), `step ${step}`).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(rowsOf(b), `step ${step}`).toEqual(first);
      orders.add(b.indices.join(','));
    }
    expect(orders.size).toBeGreaterThan(1); // the order changes (the sampler's epochs), the set does not
  });

  it('--hidden, --loss and --activation replace an MLP preset\'s widths, loss and activation; other presets, bad values and --resume are refused', () => {
    const args = parseTrainArgs(['--preset', 'mlp-mnist', '--hidden', '64, 32', '--train-subset', '40']);
    expect(args.hidden).toEqual([64, 32]);
    const config = buildConfig(args);
    expect(config.mlpHidden).toEqual([64, 32]); // --hidden is the config's mlpHidden
    const data = loadData(config, {});
    expect(modelOverride(args, config, data)).toEqual({ kind: 'mlp', inputs: 784, hidden: [64, 32], classes: 10 });
    const plain = parseTrainArgs(['--preset', 'mlp-mnist']);
    expect(buildConfig(plain).mlpHidden).toEqual([]);
    expect(modelOverride(plain, buildConfig(plain), data)).toBeUndefined();
    const mse = parseTrainArgs(['--preset', 'mlp-mnist', '--loss', 'mse']);
    expect(modelOverride(mse, buildConfig(mse), data)).toEqual({ kind: 'mlp', inputs: 784, hidden: [256, 256], classes: 10, loss: 'mse' });
    // A config file's mlpHidden (what a page's config.json or a scenario holds) is the widths too.
    const fromFile = parseTrainArgs(['--config', file('widths.json', JSON.stringify({ model: 'mlp-mnist', mlpHidden: [48] })), '--loss', 'mse']);
    expect(modelOverride(fromFile, buildConfig(fromFile), data)).toEqual({ kind: 'mlp', inputs: 784, hidden: [48], classes: 10, loss: 'mse' });
    expect(() => parseTrainArgs(['--loss', 'hinge'])).toThrow(/unknown loss "hinge" \(known: cross-entropy, mse\)/);
    const cnnMse = parseTrainArgs(['--preset', 'cnn-mnist', '--loss', 'mse']);
    expect(() => modelOverride(cnnMse, buildConfig(cnnMse), data)).toThrow(/--loss is for MLP presets \(mlp-mnist\), not "cnn-mnist"/);
    const cnn = parseTrainArgs(['--preset', 'cnn-mnist', '--hidden', '32']);
    expect(() => modelOverride(cnn, buildConfig(cnn), data)).toThrow(/--hidden is for MLP presets \(mlp-mnist\), not "cnn-mnist"/);
    const gelu = parseTrainArgs(['--preset', 'mlp-mnist', '--activation', 'gelu', '--loss', 'mse', '--hidden', '32']);
    expect(modelOverride(gelu, buildConfig(gelu), data)).toEqual({ kind: 'mlp', inputs: 784, hidden: [32], classes: 10, loss: 'mse', activation: 'gelu' });
    const relu = parseTrainArgs(['--preset', 'mlp-mnist', '--activation', 'relu']);
    expect(modelOverride(relu, buildConfig(relu), data)).toEqual({ kind: 'mlp', inputs: 784, hidden: [256, 256], classes: 10, activation: 'relu' });
    expect(() => parseTrainArgs(['--activation', 'tanh'])).toThrow(/unknown activation "tanh" \(known: relu, gelu\)/);
    const cnnGelu = parseTrainArgs(['--preset', 'cnn-mnist', '--activation', 'gelu']);
    expect(() => modelOverride(cnnGelu, buildConfig(cnnGelu), data)).toThrow(/--activation is for MLP presets \(mlp-mnist\), not "cnn-mnist"/);
    const cases: [string[], RegExp][] = [
      [['--hidden', '0'], /--hidden 0: "0" is not a width in \[1, 4096\] \(use a list such as 64,64\)/],
      [['--hidden', '32,,32'], /--hidden 32,,32: "" is not a width/],
      [['--hidden', '1,2,3,4,5,6,7,8,9'], /at most 8 hidden layers/],
      [['--resume', 'c.safetensors', '--hidden', '32'], /--hidden cannot be combined with --resume/],
      [['--resume', 'c.safetensors', '--activation', 'gelu'], /--activation cannot be combined with --resume/],
    ];
    for (const [argv, message] of cases) expect(() => parseTrainArgs(argv), argv.join(' ')).toThrow(message);
  });

  it('--resume takes the architecture of the checkpoint (--hidden, or scaled in PyTorch); only what the data decide must match, and the message names it', () => {
    const config = buildConfig(parseTrainArgs(['--preset', 'mlp-mnist', '--train-subset', '40']));
    const data = loadData(config, {});
    const stateWith = (model: ModelConfig, preset = config.model): ComparisonState => ({ step: 3, config: { ...config, model: preset }, model, events: [], runs: [] });
    expect(() => checkResumeData(stateWith({ kind: 'mlp', inputs: 784, hidden: [32, 16, 8], classes: 10, activation: 'gelu' }), data)).not.toThrow();
    expect(() => checkResumeData(stateWith({ kind: 'cnn', channels: 1, height: 28, width: 28, filters: [4, 6], pool: 'avg', classes: 10 }, 'cnn-mnist'), data)).not.toThrow();
    expect(() => checkResumeData(stateWith({ kind: 'mlp', inputs: 784, hidden: [32], classes: 12 }), data)).toThrow(
      "The dataset does not fit the checkpoint's model (classes 10 here, 12 in the checkpoint); pass the same data (--text / --cifar-dir) as the original run",
    );
    expect(() => checkResumeData(stateWith({ kind: 'cnn', channels: 3, height: 32, width: 32, filters: [8, 8], pool: 'max', classes: 10 }, 'cnn-mnist'), data)).toThrow(
      /\(channels 1 here, 3 in the checkpoint, height 28 here, 32 in the checkpoint, width 28 here, 32 in the checkpoint\)/,
    );
    expect(() => checkResumeData(stateWith({ kind: 'cnn', channels: 1, height: 28, width: 28, filters: [8, 8], pool: 'max', classes: 10 }), data)).toThrow(/holds a cnn model, but its preset mlp-mnist is a mlp/);
  });

  it('stops with the message before any GPU work', async () => {
    await expectRefused(['--preset', 'gpt-tiny', '--train-subset', '16'], /--train-subset is for image datasets/);
    await expectRefused(['--preset', 'mlp-mnist', '--train-subset', '16', '--batch', '32'], /--batch 32 cannot be combined with --train-subset 16/);
    await expectRefused(['--preset', 'gpt-tiny', '--hidden', '32'], /--hidden is for MLP presets/);
    await expectRefused(['--preset', 'gpt-tiny', '--activation', 'gelu'], /--activation is for MLP presets/);
    await expectRefused(['--preset', 'mlp-mnist', '--steps', '20', '--stop-at', '21'], /--stop-at 21 is past the run's last step 20 \(--steps\)/);
  });
});

describe('train CLI: bad input stops with a message before any GPU work', () => {
  it('an unknown preset, a negative learning rate, an unknown flag', async () => {
    await expectRefused(['--preset', 'resnet'], /unknown preset "resnet"/);
    await expectRefused(['--preset', 'gpt-tiny', '--lr', '-3e-4'], /--lr -3e-4: the learning rate must be a number in \(0, 10\]/);
    await expectRefused(['--preset', 'gpt-tiny', '--learning-rate', '0.1'], /unknown option "--learning-rate"/);
  });

  it('a context longer than the corpus, an empty text file, a text file that is not UTF-8', async () => {
    await expectRefused(['--preset', 'gpt-tiny', '--text', file('short.txt', 'Call me Ishmael. '.repeat(10))], /"short\.txt" has 170 characters; a context of 64 needs at least 650/);
    await expectRefused(['--preset', 'gpt-tiny', '--text', file('empty.txt', '')], /"empty\.txt" is empty/);
    const latin1 = new Uint8Array([...new TextEncoder().encode('caf'), 0xe9, 0x20, 0x61]); // "café a" in Latin-1
    await expectRefused(['--preset', 'gpt-tiny', '--text', file('latin1.txt', latin1)], /"latin1\.txt" is not valid UTF-8 text \(first invalid byte at offset 3\)/);
    await expectRefused(['--preset', 'gpt-tiny', '--text', join(dir, 'missing.txt')], /"[^"]*missing\.txt" cannot be read/);
  });

  it('a CIFAR-10 file of the wrong length, a missing CIFAR folder', async () => {
    const cifar = join(dir, 'cifar');
    mkdirSync(cifar, { recursive: true });
    writeFileSync(join(cifar, 'data_batch_1.bin'), new Uint8Array(3073 * 2));
    writeFileSync(join(cifar, 'test_batch.bin'), new Uint8Array(3073 + 100));
    await expectRefused(['--preset', 'cnn-cifar10', '--cifar-dir', cifar], /CIFAR-10 file "test_batch\.bin" is 3173 bytes, not a multiple of 3073/);
    await expectRefused(['--preset', 'cnn-cifar10'], /Dataset "cifar10" needs the folder of its binary batches \(--cifar-dir DIR\)/);
  });

  it('invalid config files, IRE flags without IRE, checkpoints that are not there or not checkpoints', async () => {
    await expectRefused(['--config', file('bad.json', '{"batchSize": 0, "runs": [{"optimizer": {"lr": -1}}]}')], /invalid configuration:\n.*batchSize = 0: must be in \[1, 4096\]/s);
    await expectRefused(['--config', file('bad2.json', '{"batchSize": 0, "runs": [{"optimizer": {"lr": -1}}]}')], /runs\[0\]\.optimizer\.lr = -1: must be in \(0, 10\]/);
    await expectRefused(['--config', file('broken.json', '{"model": ')], /Config file "[^"]*broken\.json" is not valid JSON/);
    await expectRefused(['--config', file('model.json', '{"model": "cnn-mnist", "dataset": "moby-dick"}'), '--preset', 'cnn-mnist', '--dataset', 'moby-dick'], /dataset = "moby-dick": does not fit model "cnn-mnist"/);
    await expectRefused(['--preset', 'mlp-mnist', '--kappa', '3'], /--kappa\/--gamma apply to IRE runs/);
    await expectRefused(['--preset', 'toy-2d', '--steps', '10', '--checkpoint-steps', '0,20'], /--checkpoint-steps: step 20 is past the last step 10/);
    await expectRefused(['--resume', join(dir, 'nope.safetensors')], /Checkpoint "[^"]*nope\.safetensors" cannot be read/);
    await expectRefused(['--resume', file('garbage.safetensors', 'hello, world')], /garbage\.safetensors: declares a header of \d+ bytes.*not a safetensors file/);
  });

  it('prints the usage with --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--checkpoint-steps LIST/);
    expect(r.out).toMatch(/--train-subset N {9}full-batch training on the first N training images/);
    expect(r.gpuOpened).toBe(false);
  });
});

describe('train CLI: progress', () => {
  it('rewrites one line on a terminal and prints about twenty plain lines otherwise', () => {
    let tty = '';
    const line = new ProgressLine({ write: (t) => void (tty += t), isTTY: true }, 0, 100);
    line.update(1, 'A 2.3', true);
    line.update(2, 'A 2.2'); // within 100 ms of the last draw: skipped
    line.update(100, 'A 1.0', true);
    line.finish();
    expect(tty.split('\r').slice(1).map((t) => t.trimEnd())).toEqual([expect.stringMatching(/^step 1\/100 {2}[\d.]+ steps\/s {2}ETA \S+ {2}A 2\.3$/), expect.stringMatching(/^step 100\/100 .*ETA 0s {2}A 1\.0$/)]);
    expect(tty.endsWith('\n')).toBe(true);
    let plain = '';
    const p = new ProgressLine({ write: (t) => void (plain += t), isTTY: false }, 40, 240);
    for (let s = 41; s <= 240; s++) p.update(s, '');
    p.finish();
    expect(plain).not.toMatch(/\r/);
    expect(plain.trim().split('\n').length).toBe(20);
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(61)).toBe('1m01s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h02m');
    expect(formatDuration(Infinity)).toBe('?');
  });
});
