// Calls every kernel builder of the engine in every variant it can build (each #if branch of
// each shader, each entry point, each optional binding), on small shapes and distinct buffers,
// so that a recording context sees every KernelSpec the TypeScript side can declare
// (tests/unit/kernelContract.test.ts checks them against the WGSL; docs/architecture.md
// "The TypeScript–WGSL contract"). A new builder, or a new variant of one, gets a call here;
// the contract test fails on a ctx.kernel call site in src/ that nothing here reaches.
import type { Binding } from '../../src/gpu/binding';
import { createStorageBuffer } from '../../src/gpu/buffers';
import type { GpuContext } from '../../src/gpu/context';
import { add, axpy, copy, fill, scale } from '../../src/gpu/elementwise';
import { attentionBackward, attentionBackwardTangent, attentionForward, attentionForwardTangent } from '../../src/nn/attention';
import { BIAS_BACKWARD_VARIANTS, biasBackward } from '../../src/nn/bias';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from '../../src/nn/conv2d';
import { crossEntropy, crossEntropyTangent } from '../../src/nn/crossentropy';
import { embeddingBackward, embeddingForward } from '../../src/nn/embedding';
import { geluBackward, geluBackwardTangent, geluForward } from '../../src/nn/gelu';
import { LAYERNORM_COLUMN_VARIANTS, layernormBackward, layernormBackwardTangent, layernormForward, layernormForwardTangent } from '../../src/nn/layernorm';
import { matmul, MATMUL_VARIANTS } from '../../src/nn/matmul';
import { matmulNaive } from '../../src/nn/matmulNaive';
import { squareLoss, squareLossTangent } from '../../src/nn/mse';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward, maxPoolTangent } from '../../src/nn/pool';
import { QuadraticModel } from '../../src/nn/quadratic';
import { reluBackward, reluForward } from '../../src/nn/relu';
import type { RowVariant } from '../../src/nn/rowVariant';
import { sampleCategorical, samplerHashCheck } from '../../src/nn/sampler';
import { toyGradient, toyHessianDiag, toyHvp, toyRecord } from '../../src/nn/toy';
import { AdamW } from '../../src/optim/adamw';
import { Ire } from '../../src/optim/ire';
import { RadixSelect, SELECT_CONFIGS, SELECT_VARIANTS } from '../../src/optim/radixSelect';
import { countNonFinite, reduce, REDUCE_CONFIGS, REDUCE_VARIANTS, type ReduceOp } from '../../src/optim/reduce';
import { Sam } from '../../src/optim/sam';
import { Sgd } from '../../src/optim/sgd';
import { Sharpness } from '../../src/optim/sharpness';

/** Floats of every test buffer: more than any shape below needs. */
const FLOATS = 4096;

const ROWS: readonly RowVariant[] = ['threadPerRow', 'workgroupPerRow'];
const BOTH = [false, true] as const;

/** Builds every kernel variant on `ctx` (awaits the sharpness measurements that build the Lanczos kernels). */
export async function buildEveryKernel(ctx: GpuContext): Promise<void> {
  let made = 0;
  const buf = (name = 'b'): GPUBuffer => createStorageBuffer(ctx.device, `contract.${name}${made++}`, FLOATS * 4);
  const bufs = <K extends string>(...names: K[]): Record<K, GPUBuffer> => Object.fromEntries(names.map((n) => [n, buf(n)])) as Record<K, GPUBuffer>;

  // Elementwise utilities (src/gpu/elementwise.ts).
  const [x, y, z] = [buf('x'), buf('y'), buf('z')];
  fill(ctx, 'fill', { dst: x }, 8, 1);
  copy(ctx, 'copy', { src: x, dst: y }, 8);
  scale(ctx, 'scale', { x }, 8, 2);
  axpy(ctx, 'axpy', { x, y }, 8, 2);
  add(ctx, 'add', { a: x, b: y, out: z }, 8);

  // Activations.
  reluForward(ctx, 'relu', { inp: x, out: y }, 8);
  reluForward(ctx, 'reluInPlace', { inp: x, out: x }, 8);
  reluBackward(ctx, 'reluBack', { act: x, dout: y, dinp: z }, 8);
  reluBackward(ctx, 'reluBackInPlace', { act: x, dout: y, dinp: y }, 8);
  geluForward(ctx, 'gelu', { inp: x, out: y }, { N: 8 });
  geluBackward(ctx, 'geluBack', { inp: x, dout: y, dinp: z }, { N: 8, accumulate: true });
  geluBackwardTangent(ctx, 'geluTangent', bufs('inp', 'inpDot', 'dout', 'dinp'), { N: 8 });

  // Matmul: every variant × transposes × bias × GELU epilogue; the naive baseline.
  for (const variant of MATMUL_VARIANTS) {
    for (const transA of BOTH) {
      for (const transB of BOTH) {
        for (const bias of BOTH) {
          for (const epilogue of ['none', 'geluOut', 'geluPre'] as const) {
            const b: Record<string, Binding> = { a: buf('a'), b: buf('b'), c: buf('c') };
            if (bias) b.bias = buf('bias');
            if (epilogue !== 'none') b[epilogue] = buf(epilogue);
            matmul(ctx, `matmul.${variant}`, { a: b.a, b: b.b, c: b.c, bias: b.bias, geluOut: b.geluOut, geluPre: b.geluPre }, { M: 8, N: 8, K: 8, transA, transB }, variant);
          }
        }
      }
    }
  }
  matmulNaive(ctx, 'matmulNaive', bufs('a', 'b', 'c'), { M: 8, N: 8, K: 8 });

  // Column and row reductions of the layers.
  for (const variant of BIAS_BACKWARD_VARIANTS) biasBackward(ctx, `bias.${variant}`, bufs('dout', 'dbias'), { N: 8, OC: 8 }, variant);
  const ln = bufs('inp', 'inpDot', 'weight', 'weightDot', 'bias', 'biasDot', 'out', 'mean', 'rstd', 'normDot', 'dout', 'doutDot', 'dinp', 'dinpDot', 'dweight', 'dweightDot', 'dbias', 'dbiasDot');
  for (const variant of ROWS) {
    layernormForward(ctx, `ln.${variant}`, ln, { N: 8, C: 8, variant });
    layernormForwardTangent(ctx, `lnTangent.${variant}`, ln, { N: 8, C: 8, variant });
    for (const columns of LAYERNORM_COLUMN_VARIANTS) {
      layernormBackward(ctx, `lnBack.${variant}.${columns}`, ln, { N: 8, C: 8, variant, columns }, { accumulate: true });
      layernormBackwardTangent(ctx, `lnBackTangent.${variant}.${columns}`, ln, { N: 8, C: 8, variant, columns });
    }
  }

  // Losses: cross-entropy (evaluation, separate gradient, in place), its tangent; square loss.
  for (const variant of ROWS) {
    const ce = bufs('logits', 'targets', 'losses', 'correct', 'dlogits');
    crossEntropy(ctx, `ce.eval.${variant}`, { ...ce, dlogits: undefined }, { N: 4, V: 8, variant });
    crossEntropy(ctx, `ce.grad.${variant}`, ce, { N: 4, V: 8, variant });
    crossEntropy(ctx, `ce.inPlace.${variant}`, { ...ce, dlogits: ce.logits }, { N: 4, V: 8, variant });
  }
  crossEntropyTangent(ctx, 'ceTangent', bufs('logits', 'targets', 'zdot', 'out'), { N: 4, V: 8 });
  const mse = bufs('logits', 'targets', 'losses', 'correct', 'dlogits');
  squareLoss(ctx, 'mse.eval', { ...mse, dlogits: undefined }, { N: 4, V: 8 });
  squareLoss(ctx, 'mse.grad', mse, { N: 4, V: 8 });
  squareLossTangent(ctx, 'mseTangent', bufs('targets', 'zdot', 'out'), { N: 4, V: 8 });

  // Transformer layers.
  const att = { B: 1, T: 4, C: 8, NH: 2 };
  const a = bufs('qkv', 'qkvDot', 'att', 'attDot', 'out', 'scratch', 'dout', 'doutDot', 'datt', 'dattDot', 'dqkv', 'dqkvDot');
  attentionForward(ctx, 'att', a, att);
  attentionBackward(ctx, 'attBack', a, att);
  attentionForwardTangent(ctx, 'attTangent', a, att);
  attentionBackwardTangent(ctx, 'attBackTangent', a, att);
  const emb = { B: 1, T: 4, C: 8, V: 16 };
  embeddingForward(ctx, 'emb', bufs('tokens', 'wte', 'wpe', 'out'), emb);
  embeddingBackward(ctx, 'embBack', bufs('tokens', 'dout', 'dwte', 'dwpe'), emb, { accumulate: true });
  embeddingBackward(ctx, 'embBackScratch', bufs('tokens', 'dout', 'dwte', 'dwpe', 'order', 'bounds'), emb);
  sampleCategorical(ctx, 'sample', bufs('logits', 'labels'), { N: 4, V: 8, seed: 1, counter: 0 });
  samplerHashCheck(ctx, 'hashCheck', bufs('inp', 'out'), { N: 4, seed: 1, counter: 0 });

  // Convolution and pooling.
  const conv = { N: 1, IC: 2, H: 6, W: 6, OC: 4, K: 3, pad: 1 };
  conv2dForward(ctx, 'conv', bufs('inp', 'weight', 'bias', 'out'), conv);
  conv2dBackwardInput(ctx, 'convDinp', bufs('dout', 'weight', 'dinp'), conv, 1);
  conv2dBackwardWeight(ctx, 'convDw', bufs('inp', 'dout', 'dweight', 'dbias'), conv, { beta: 1 });
  const pool = { N: 1, C: 2, H: 4, W: 4 };
  maxPoolForward(ctx, 'maxPool', bufs('inp', 'out', 'argmax'), pool);
  maxPoolBackward(ctx, 'maxPoolBack', bufs('dout', 'argmax', 'dinp'), pool);
  maxPoolTangent(ctx, 'maxPoolTangent', bufs('tangent', 'argmax', 'out'), pool);
  avgPoolForward(ctx, 'avgPool', bufs('inp', 'out'), pool);
  avgPoolBackward(ctx, 'avgPoolBack', bufs('dout', 'dinp'), pool);

  // The toy and quadratic test models.
  toyGradient(ctx, 'toyGrad', bufs('theta', 'grad', 'out'));
  toyHessianDiag(ctx, 'toyDiag', bufs('theta', 'h'));
  toyHvp(ctx, 'toyHvp', bufs('theta', 'direction', 'out'));
  toyRecord(ctx, 'toyRecord', bufs('theta', 'traj', 'cursor'), 16);
  const n = 5;
  const identity = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  const quadratic = new QuadraticModel(ctx, 'quadratic', { sizes: [3, 2], matrix: identity, start: [1, 2, 3, 4, 5] });
  quadratic.hessianVectorProduct(buf('direction'), buf('product'));

  // Reductions and the radix select, every configuration.
  for (const config of REDUCE_VARIANTS.map((v) => REDUCE_CONFIGS[v])) {
    for (const op of ['sum', 'sumsq', 'max', 'maxabs'] as ReduceOp[]) reduce(ctx, `reduce.${op}`, bufs('input', 'out'), op, { n: 1000 }, config);
    countNonFinite(ctx, 'nonFinite', bufs('input', 'out'), { n: 1000, outIndex: 1 }, config);
  }
  for (const config of SELECT_VARIANTS.map((v) => SELECT_CONFIGS[v])) {
    new RadixSelect(ctx, 'select', bufs('h', 'mask', 'stats'), { count: 1000, padCount: 1, countIndex: 0, thresholdIndex: 1 }, config);
  }

  // Optimizers: the fused updates with and without the IRE mask, SAM around one, IRE itself.
  const P = 1000;
  const ire = new Ire(ctx, 'ire', { count: P, padCount: 0, grads: buf('grads') }, {
    kappa: 1,
    gamma: 0.5,
    refreshEvery: 10,
    startStep: 0,
    kappaFollowsLr: false,
    hessianForm: 'square',
    ema: 0,
  });
  for (const ireMask of [undefined, ire.mask]) {
    const adamw = new AdamW(ctx, 'adamw', { ...bufs('params', 'grads'), count: P, ireMask }, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, clip: 1 });
    new Sgd(ctx, 'sgd', { ...bufs('params', 'grads'), count: P, ireMask }, { momentum: 0.9, nesterov: true, weightDecay: 0, clip: 0 });
    new Sam(ctx, 'sam', adamw, { ...bufs('params', 'grads'), count: P }, { rho: 0.05 });
  }

  // Sharpness, both Hessian-vector methods; a measurement builds the Lanczos kernels.
  for (const method of ['exact', 'difference'] as const) {
    const sharpness = new Sharpness(ctx, `sharpness.${method}`, quadratic, { method, maxProbes: 2, maxLanczos: 2 });
    await sharpness.measure({ probes: 1, lanczosSteps: 1, preconditioner: { v: buf('v'), beta2: 0.999, t: 1, eps: 1e-8 } });
  }
}
