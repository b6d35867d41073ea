import { describe, expect, it } from 'vitest';
import { CharTokenizer } from '../../src/data/tokenizer';
import { writeBuffer } from '../../src/gpu/buffers';
import { gptLayout } from '../../src/nn/gpt';
import { initParams } from '../../src/nn/paramLayout';
import { createStorageBuffer } from '../../src/gpu/buffers';
import type { GptConfig } from '../../src/train/config';
import { TextSampler, drawToken } from '../../src/train/textSampler';
import { Rng } from '../../src/util/rng';
import { useGpu } from '../helpers/gpu';

const tokenizer = CharTokenizer.fromText('abcdefgh .');
const CFG: GptConfig = { kind: 'gpt', layers: 1, heads: 2, width: 16, context: 8, vocab: tokenizer.vocabSize, tiedHead: true };

describe('text sampling from a GPT run', () => {
  const gpu = useGpu();

  it('continues a prompt deterministically for a seed, within the vocabulary, reporting unknown characters', async () => {
    const { ctx, device } = gpu();
    const layout = gptLayout(CFG);
    const params = createStorageBuffer(device, 'Test.params', layout.total * 4);
    writeBuffer(device, params, initParams(layout, 3).map((x) => x * 3));
    const sampler = new TextSampler(ctx, CFG, tokenizer);
    const a = await sampler.sample(params, 'abc?', { maxTokens: 40, temperature: 1, seed: 5 });
    const b = await sampler.sample(params, 'abc?', { maxTokens: 40, temperature: 1, seed: 5 });
    const c = await sampler.sample(params, 'abc?', { maxTokens: 40, temperature: 1, seed: 6 });
    expect(a.text).toHaveLength(40);
    expect(b.text).toBe(a.text);
    expect(c.text).not.toBe(a.text);
    expect([...a.text].every((ch) => tokenizer.vocab.includes(ch))).toBe(true);
    expect(a.unknown).toEqual(['?']);
    sampler.destroy();
    params.destroy();
  });

  it('draws from softmax(logits / temperature), greedy at temperature 0', () => {
    const logits = Float32Array.from([0, 2, 1]);
    expect(drawToken(logits, 0, new Rng(1))).toBe(1);
    const rng = new Rng(2);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[drawToken(logits, 1, rng)]++;
    const z = 1 + Math.E ** 2 + Math.E;
    expect(counts[1] / 20000).toBeCloseTo(Math.E ** 2 / z, 1);
    expect(counts[0] / 20000).toBeCloseTo(1 / z, 1);
  });
});
