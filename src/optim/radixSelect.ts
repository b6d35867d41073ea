// Radix select of the IRE threshold and the flat mask (shaders/optim/select.wgsl): all on the
// GPU, no readback. Built once per model; `setRank` writes the target rank (call it before
// encoding, e.g. at each mask refresh), `dispatches` are init, (histogram, pick) × 4, mask.
import { AllocatedTable, BufferTable, type BufferDecl } from '../gpu/bufferTable';
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';

export const SELECT_WG = 256;
/** Most workgroups of a histogram pass (each thread then loops over the rest). */
export const SELECT_MAX_GROUPS = 256;

/** Threads per workgroup of the histogram and mask passes, and most histogram workgroups. */
export interface SelectConfig {
  wg: number;
  maxGroups: number;
}

/** GPUs: many wide workgroups. */
export const SELECT_GPU: SelectConfig = { wg: SELECT_WG, maxGroups: SELECT_MAX_GROUPS };

/**
 * CPU adapters (SwiftShader): each histogram workgroup pays two barriers across its SIMD groups
 * and 256 global atomics; 16 workgroups of 64 threads make a pass over 269k entries ~9× cheaper
 * than 256 × 256 (67 → 7.6 ms CPU).
 */
export const SELECT_CPU: SelectConfig = { wg: 64, maxGroups: 16 };

/** The configurations by name: 'wide' (SELECT_GPU) and 'narrow' (SELECT_CPU). */
export type SelectVariant = 'wide' | 'narrow';

export const SELECT_CONFIGS: Readonly<Record<SelectVariant, SelectConfig>> = { wide: SELECT_GPU, narrow: SELECT_CPU };

/** Every variant, for the tuning and the tests. */
export const SELECT_VARIANTS: readonly SelectVariant[] = ['wide', 'narrow'];

declare module '../gpu/context' {
  interface KernelChoices {
    /** The radix select's histogram and mask passes. */
    radixSelect: SelectVariant;
  }
}

/** The variant used until the adapter's tuning chooses one: the GPU-shaped wide one. */
export const DEFAULT_SELECT_VARIANT: SelectVariant = 'wide';

/** This context's configuration: its radixSelect choice, else the default. */
export function selectConfig(ctx: GpuContext): SelectConfig {
  return SELECT_CONFIGS[ctx.choices.radixSelect ?? DEFAULT_SELECT_VARIANT];
}

const SHIFTS = [24, 16, 8, 0] as const;

const INIT_PARAMS: readonly UniformField[] = [
  { name: 'rank', type: 'u32' },
  { name: 'enabled', type: 'u32' },
];
const HISTOGRAM_PARAMS: readonly UniformField[] = [
  { name: 'n', type: 'u32' },
  { name: 'shift', type: 'u32' },
  { name: 'highMask', type: 'u32' },
];
const PICK_PARAMS: readonly UniformField[] = [{ name: 'shift', type: 'u32' }];
const MASK_PARAMS: readonly UniformField[] = [
  { name: 'n', type: 'u32' },
  { name: 'padCount', type: 'u32' },
  { name: 'countIndex', type: 'u32' },
  { name: 'thresholdIndex', type: 'u32' },
];

export interface RadixSelectBuffers {
  /** (P) f32 values ≥ 0 (the Hessian-diagonal estimate). */
  h: GPUBuffer;
  /** (P) u32 output, 1 where h ≤ thr. */
  mask: GPUBuffer;
  /** f32 buffer receiving the flagged count (padding excluded) and thr (−1 when the mask is empty). */
  stats: GPUBuffer;
}

export interface RadixSelectShape {
  count: number; // P, padding included
  padCount: number; // padding entries (h = 0), excluded from the reported count
  countIndex: number; // element of stats for the count
  thresholdIndex: number; // element of stats for thr
}

/** The selection's buffers: its search state (prefix, rank, …) and a 256-bin histogram. */
export function radixSelectBuffers(): BufferDecl[] {
  return new BufferTable({ role: 'ire', perBatch: false }).add('state', [8], { dtype: 'u32' }).add('hist', [256], { dtype: 'u32' }).decls;
}

export class RadixSelect {
  /** (8) u32 prefix, remaining rank, below, count ≤ thr, enabled; thr's bits end in state[0]. */
  readonly state: GPUBuffer;
  readonly dispatches: readonly Kernel[];
  private readonly hist: GPUBuffer; // (256) u32 bucket counts
  private readonly init: Kernel;

  constructor(
    private readonly ctx: GpuContext,
    readonly label: string,
    b: RadixSelectBuffers,
    readonly shape: RadixSelectShape,
    config: SelectConfig = selectConfig(ctx),
  ) {
    const P = shape.count;
    if (!Number.isInteger(P) || P < 1) throw new Error(`${label}: count ${P} must be a positive integer`);
    if (!Number.isInteger(shape.padCount) || shape.padCount < 0 || shape.padCount >= P) {
      throw new Error(`${label}: padCount ${shape.padCount} must be in [0, ${P})`);
    }
    for (const [name, buf] of [['h', b.h], ['mask', b.mask]] as const) {
      if (buf.size < P * 4) throw new Error(`${label}: buffer ${name} (${buf.label}) holds ${buf.size / 4} entries, needs ${P}`);
    }
    const statsNeed = Math.max(shape.countIndex, shape.thresholdIndex) + 1;
    if (b.stats.size < statsNeed * 4) throw new Error(`${label}: stats (${b.stats.label}) holds ${b.stats.size / 4} floats, needs ${statsNeed}`);
    const t = new AllocatedTable(ctx.device, label, radixSelectBuffers());
    this.state = t.get('state');
    this.hist = t.get('hist');
    const shader = 'optim/select';
    const overrides = { WG: config.wg };
    this.init = ctx.kernel({
      label: `${label}.init`,
      shader,
      entryPoint: 'init',
      overrides,
      params: { layout: ctx.layout(INIT_PARAMS), values: { rank: 0, enabled: 0 } },
      buffers: [this.state, this.hist],
      workgroups: [1, 1, 1],
    });
    const groups = Math.max(1, Math.min(config.maxGroups, Math.ceil(P / config.wg)));
    const passes = SHIFTS.flatMap((shift) => [
      ctx.kernel({
        label: `${label}.histogram${shift}`,
        shader,
        entryPoint: 'histogram',
        overrides,
        // Bits above this byte: (2^32 − 2^(shift+8)) as u32, 0 for the first pass.
        params: { layout: ctx.layout(HISTOGRAM_PARAMS), values: { n: P, shift, highMask: shift === 24 ? 0 : (0xffffffff - (2 ** (shift + 8) - 1)) >>> 0 } },
        buffers: [b.h, this.state, this.hist],
        workgroups: [groups, 1, 1],
      }),
      ctx.kernel({
        label: `${label}.pick${shift}`,
        shader,
        entryPoint: 'pick',
        overrides,
        params: { layout: ctx.layout(PICK_PARAMS), values: { shift } },
        buffers: [this.state, this.hist],
        workgroups: [1, 1, 1],
      }),
    ]);
    const mask = ctx.kernel({
      label: `${label}.mask`,
      shader,
      entryPoint: 'mask',
      overrides,
      params: {
        layout: ctx.layout(MASK_PARAMS),
        values: { n: P, padCount: shape.padCount, countIndex: shape.countIndex, thresholdIndex: shape.thresholdIndex },
      },
      buffers: [b.h, this.state, b.mask, b.stats],
      workgroups: grid1d(P, config.wg),
    });
    this.dispatches = [this.init, ...passes, mask];
  }

  /** Selects the entry of 0-based ascending rank `rank`; `enabled = false` gives an all-zero mask. */
  setRank(rank: number, enabled = true): void {
    if (!Number.isInteger(rank) || rank < 0 || rank >= this.shape.count) {
      throw new Error(`${this.label}: rank ${rank} must be an integer in [0, ${this.shape.count})`);
    }
    this.ctx.updateParams(this.init, { rank, enabled: enabled ? 1 : 0 });
  }

  destroy(): void {
    this.state.destroy();
    this.hist.destroy();
    for (const k of this.dispatches) k.params?.destroy();
  }
}
