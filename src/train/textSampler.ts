// Samples a continuation of a prompt from a GPT run at its current parameters. A one-sequence
// copy of the model (B = 1, the run's context) is planned once per run and receives a copy of
// the run's parameters per request; each new token is one forward pass and one small readback
// of the logits row, then a temperature-scaled categorical draw on the CPU (seeded).
import { createStorageBuffer, writeBuffer } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { submitDispatches } from '../gpu/dispatch';
import { readFloat32 } from '../gpu/readback';
import type { CharTokenizer } from '../data/tokenizer';
import { Gpt } from '../nn/gpt';
import { Rng } from '../util/rng';
import type { GptConfig } from './config';

export interface SampleOptions {
  maxTokens: number; // tokens to generate (capped at 1000)
  temperature: number; // > 0; 1 = the model's distribution, → 0 = greedy
  seed: number; // draws are a pure function of (seed, prompt, parameters)
}

export class TextSampler {
  private readonly model: Gpt;
  private readonly tokens: GPUBuffer; // (1,T) u32
  private readonly targets: GPUBuffer; // (1,T) u32, unused by the forward
  private readonly window: Uint32Array;

  constructor(
    private readonly ctx: GpuContext,
    readonly config: GptConfig,
    private readonly tokenizer: CharTokenizer,
  ) {
    const T = config.context;
    this.tokens = createStorageBuffer(ctx.device, 'TextSampler.tokens', T * 4);
    this.targets = createStorageBuffer(ctx.device, 'TextSampler.targets', T * 4);
    this.model = new Gpt(ctx, 'TextSampler.gpt', config, 1, { inputs: this.tokens, targets: this.targets }, 0);
    this.window = new Uint32Array(T);
  }

  /** Continues `prompt` with the parameters in `params` (a run's flat buffer, same layout). */
  async sample(params: GPUBuffer, prompt: string, o: SampleOptions): Promise<{ text: string; unknown: string[] }> {
    const { tokens: ids, unknown } = this.tokenizer.encodePrompt(prompt);
    const T = this.config.context;
    const V = this.config.vocab;
    const encoder = this.ctx.device.createCommandEncoder({ label: 'TextSampler.copyParams' });
    encoder.copyBufferToBuffer(params, 0, this.model.params, 0, this.model.params.size);
    this.ctx.device.queue.submit([encoder.finish()]);
    const history = Array.from(ids);
    if (history.length === 0) history.push(0);
    const rng = new Rng(o.seed, 0x5a4d);
    const out: number[] = [];
    const maxTokens = Math.max(0, Math.min(1000, Math.floor(o.maxTokens)));
    for (let k = 0; k < maxTokens; k++) {
      const ctxTokens = history.slice(-T);
      this.window.fill(0);
      this.window.set(ctxTokens);
      writeBuffer(this.ctx.device, this.tokens, this.window);
      submitDispatches(this.ctx.device, this.model.forward, 'TextSampler.forward');
      const at = ctxTokens.length - 1; // causal: positions after `at` do not affect its logits
      const logits = await readFloat32(this.ctx.device, this.model.logits, V, at * V);
      const next = drawToken(logits, o.temperature, rng);
      history.push(next);
      out.push(next);
    }
    return { text: this.tokenizer.decode(Uint16Array.from(out)), unknown };
  }

  destroy(): void {
    this.model.destroy();
    this.tokens.destroy();
    this.targets.destroy();
  }
}

/** A categorical draw from softmax(logits / temperature); greedy below 1e-4. */
export function drawToken(logits: Float32Array, temperature: number, rng: Rng): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (!(temperature > 1e-4)) return best;
  let sum = 0;
  const p = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    p[i] = Math.exp((logits[i] - logits[best]) / temperature);
    sum += p[i];
  }
  let u = rng.uniform() * sum;
  for (let i = 0; i < p.length; i++) {
    u -= p[i];
    if (u < 0) return i;
  }
  return best;
}
