import { describe, expect, it } from 'vitest';
import { initParams, type ParamLayout } from '../../src/nn/paramLayout';
import {
  CheckpointError,
  comparisonStateFromCheckpoints,
  decodeRunCheckpoint,
  encodeRunCheckpoint,
  runStateFromCheckpoint,
  type ComparisonState,
  type RunState,
} from '../../src/train/checkpoint';
import { layoutOf } from '../../src/train/models';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type MlpConfig, type RunConfig } from '../../src/train/config';
import { decodeSafetensors, encodeSafetensors, tensor, type Tensor } from '../../src/train/safetensors';

const MODEL: MlpConfig = { kind: 'mlp', inputs: 5, hidden: [7], classes: 3 };
const LAYOUT: ParamLayout = layoutOf(MODEL);
const RUN_A: RunConfig = { id: 'A', name: 'AdamW', optimizer: DEFAULT_ADAMW };
const RUN_B: RunConfig = { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, ire: { ...DEFAULT_IRE, enabled: true } } };

function flat(seed: number): ArrayBuffer {
  return initParams(LAYOUT, seed).buffer as ArrayBuffer;
}

/** A hand-made state: params and AdamW moments from seeded draws, an IRE mask on some real entries. */
function state(): ComparisonState {
  const mask = new Uint32Array(LAYOUT.total);
  for (const v of LAYOUT.views) for (let i = 0; i < v.size; i += 2) mask[v.offset + i] = 1;
  for (let i = 0; i < LAYOUT.total; i++) if (!LAYOUT.views.some((v) => i >= v.offset && i < v.offset + v.size)) mask[i] = 1; // padding
  const run = (r: RunConfig, ire: boolean, seed: number): RunState => ({
    id: r.id,
    settings: r,
    step: 17,
    refreshCount: ire ? 2 : 0,
    ireLastRefresh: ire ? 12 : null,
    ireRefreshPending: false,
    diverged: false,
    buffers: {
      params: flat(seed),
      'optim.m': flat(seed + 1),
      'optim.v': flat(seed + 2),
      ...(ire ? { 'ire.h': flat(seed + 3), 'ire.mask': mask.buffer } : {}),
    },
    metrics: new Float32Array([1, 2, 3, 0, 0, 30, 0.25, 0]),
  });
  return {
    step: 17,
    config: { ...DEFAULT_COMPARISON, model: 'mlp-mnist', dataset: 'mnist', trainSubset: 40, batchSize: 40, mlpHidden: [7], runs: [RUN_A, RUN_B] },
    model: MODEL,
    events: [{ step: 9, runId: 'B', field: 'optimizer.ire.kappa', old: 4, new: 5 }],
    runs: [run(RUN_A, false, 1), run(RUN_B, true, 10)],
    kernels: { matmul: 'quadShared', layernorm: 'serial', reduce: 'narrow' },
  };
}

/** Re-encodes a file with its tensors changed by `edit` (metadata kept). */
function edited(bytes: Uint8Array, edit: (t: Map<string, Tensor>, md: Record<string, string>) => void): Uint8Array {
  const f = decodeSafetensors(bytes);
  edit(f.tensors, f.metadata);
  return encodeSafetensors(f.tensors, f.metadata);
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('checkpoint files', () => {
  it('names every tensor by its view, with the view shape, as F32 (the mask as 0/1)', () => {
    const s = state();
    const f = decodeSafetensors(encodeRunCheckpoint(s, 'B'));
    const names = [...f.tensors.keys()];
    const views = LAYOUT.views.map((v) => v.name);
    expect(views).toEqual(['fc0.w', 'fc0.b', 'fc1.w', 'fc1.b']);
    for (const group of ['model', 'optim.m', 'optim.v', 'ire.h', 'ire.mask']) for (const v of LAYOUT.views) expect(names).toContain(`${group}.${v.name}`);
    expect(names.length).toBe(5 * views.length + 1);
    expect(f.tensors.get('model.fc0.w')!.shape).toEqual([7, 5]);
    expect(f.tensors.get('run.metrics')!.data).toEqual(new Float32Array([1, 2, 3, 0, 0, 30, 0.25, 0]));
    const mask = f.tensors.get('ire.mask.fc0.b')!;
    expect(mask.dtype).toBe('F32');
    expect([...mask.data]).toEqual([1, 0, 1, 0, 1, 0, 1]);
    const w = LAYOUT.views[0];
    expect(f.tensors.get('model.fc0.w')!.data).toEqual(new Float32Array(s.runs[1].buffers.params, w.offset * 4, w.size));
    expect(f.metadata).toMatchObject({ format: 'ire-playground-checkpoint', version: '1', step: '17', seed: String(DEFAULT_COMPARISON.seed), run_id: 'B', refresh_count: '2', ire_last_refresh_step: '12' });
    expect(JSON.parse(f.metadata.run_ids)).toEqual(['A', 'B']);
    expect(JSON.parse(f.metadata.model_config)).toEqual(MODEL);
    expect(JSON.parse(f.metadata.comparison_config)).toEqual(s.config);
    expect(JSON.parse(f.metadata.run_config)).toEqual(RUN_B);
    const a = decodeSafetensors(encodeRunCheckpoint(s, 'A'));
    expect([...a.tensors.keys()].filter((n) => n.startsWith('ire.'))).toEqual([]);
    expect(a.metadata.ire_last_refresh_step).toBe('none');
  });

  it('round-trips the whole state bit for bit, padding of the mask included', () => {
    const s = state();
    const files = s.runs.map((r) => decodeRunCheckpoint(encodeRunCheckpoint(s, r.id), `ckpt-17-${r.id}.safetensors`));
    const back = comparisonStateFromCheckpoints(files);
    expect(back.step).toBe(17);
    expect(back.config).toEqual(s.config); // trainSubset and mlpHidden included: --resume keeps them
    expect(back.model).toEqual(MODEL);
    // A checkpoint written before those fields: the whole training split, the preset's widths.
    const { trainSubset: _t, mlpHidden: _m, ...olderConfig } = s.config;
    const older = decodeRunCheckpoint(edited(encodeRunCheckpoint(s, 'A'), (_t2, md) => (md.comparison_config = JSON.stringify(olderConfig))), 'ckpt.safetensors');
    expect([older.meta.comparison.trainSubset, older.meta.comparison.mlpHidden]).toEqual([0, []]);
    expect(back.events).toEqual(s.events);
    expect(back.kernels).toEqual({ matmul: 'quadShared', layernorm: 'serial', reduce: 'narrow' });
    back.runs.forEach((r, i) => {
      const want = s.runs[i];
      expect({ ...r, buffers: undefined, metrics: undefined }).toEqual({ ...want, buffers: undefined, metrics: undefined });
      expect(Object.keys(r.buffers).sort()).toEqual(Object.keys(want.buffers).sort());
      for (const k of Object.keys(want.buffers)) expect(Buffer.from(r.buffers[k]).equals(Buffer.from(want.buffers[k])), k).toBe(true);
      expect(r.metrics).toEqual(want.metrics);
    });
  });

  it('refuses a missing tensor, a shape mismatch and tensors of another model, naming them', () => {
    const bytes = encodeRunCheckpoint(state(), 'B');
    const load = (b: Uint8Array) => runStateFromCheckpoint(decodeRunCheckpoint(b, 'ckpt.safetensors'));
    expect(errorOf(() => load(edited(bytes, (t) => t.delete('optim.v.fc1.b'))))).toBe('ckpt.safetensors: missing tensor "optim.v.fc1.b" (F32, shape [3])');
    expect(errorOf(() => load(edited(bytes, (t) => t.delete('ire.h.fc0.w'))))).toMatch(/missing tensor "ire\.h\.fc0\.w" \(F32, shape \[7, 5\]\)/);
    expect(errorOf(() => load(edited(bytes, (t) => t.set('model.fc0.w', tensor(new Float32Array(35), [5, 7])))))).toBe(
      'ckpt.safetensors: tensor "model.fc0.w" has shape [5, 7]; this model needs [7, 5]',
    );
    expect(errorOf(() => load(edited(bytes, (t) => t.set('model.fc0.w', tensor(new Uint32Array(35), [7, 5])))))).toMatch(/"model\.fc0\.w" is U32; expected F32/);
    expect(errorOf(() => load(edited(bytes, (t) => t.set('model.wte', tensor(new Float32Array(4), [2, 2])))))).toMatch(/tensor "model\.wte" does not belong to this model/);
    expect(errorOf(() => load(edited(bytes, (t) => t.set('ire.mask.fc1.b', tensor(new Float32Array([0, 2, 1]), [3])))))).toMatch(/holds 2 at flat entry \d+; a mask holds 0 or 1/);
    expect(errorOf(() => load(edited(bytes, (t) => t.delete('run.metrics'))))).toMatch(/missing tensor "run\.metrics"/);
    // a checkpoint of a wider model against this model's layout
    const wider = layoutOf({ ...MODEL, hidden: [8] });
    expect(errorOf(() => runStateFromCheckpoint(decodeRunCheckpoint(bytes, 'ckpt.safetensors'), wider))).toBe(
      'ckpt.safetensors: tensor "model.fc0.w" has shape [7, 5]; this model needs [8, 5]',
    );
  });

  it('refuses files that are not checkpoints of this playground, or damaged ones', () => {
    const bytes = encodeRunCheckpoint(state(), 'A');
    const decode = (b: Uint8Array) => decodeRunCheckpoint(b, 'ckpt.safetensors');
    expect(errorOf(() => decode(encodeSafetensors([['x', tensor(new Float32Array(1), [1])]])))).toMatch(/metadata "format" is null, expected "ire-playground-checkpoint"; this is not a checkpoint/);
    expect(errorOf(() => decode(edited(bytes, (_t, md) => (md.version = '2'))))).toMatch(/checkpoint version 2 is not supported/);
    expect(errorOf(() => decode(edited(bytes, (_t, md) => (md.comparison_config = '{"seed": 1'))))).toMatch(/metadata "comparison_config" is not valid JSON/);
    expect(errorOf(() => decode(edited(bytes, (_t, md) => (md.comparison_config = JSON.stringify({ ...state().config, batchSize: -4 })))))).toMatch(
      /comparison config is invalid: batchSize = -4: must be in \[1, 4096\]/,
    );
    expect(errorOf(() => decode(edited(bytes, (_t, md) => delete md.run_config)))).toMatch(/metadata "run_config" is missing/);
    const mlp = (extra: object) => edited(bytes, (_t, md) => (md.model_config = JSON.stringify({ ...MODEL, ...extra })));
    expect(errorOf(() => decode(mlp({ activation: 'tanh' })))).toMatch(/MLP activation "tanh" is not one of relu, gelu/);
    expect(errorOf(() => decode(mlp({ loss: 'hinge' })))).toMatch(/MLP loss "hinge" is not cross-entropy or mse/);
    expect(decode(mlp({ activation: 'gelu', loss: 'mse' })).meta.model).toEqual({ ...MODEL, activation: 'gelu', loss: 'mse' });
    expect(errorOf(() => decode(bytes.subarray(0, bytes.length - 3)))).toMatch(/ckpt\.safetensors: .*truncated/);
    const err = errorOf(() => decode(new Uint8Array(3)));
    expect(err).toMatch(/3 bytes/);
  });

  it('records the kernel choices as JSON metadata; a file without them stays valid, a malformed record is refused', () => {
    const bytes = encodeRunCheckpoint(state(), 'A');
    expect(JSON.parse(decodeSafetensors(bytes).metadata.kernel_choices)).toEqual({ matmul: 'quadShared', layernorm: 'serial', reduce: 'narrow' });
    const decode = (b: Uint8Array) => decodeRunCheckpoint(b, 'ckpt.safetensors');
    const without = decode(edited(bytes, (_t, md) => delete md.kernel_choices));
    expect(without.meta.kernels).toBeUndefined();
    const { kernels: _k, ...older } = state();
    expect(comparisonStateFromCheckpoints(older.runs.map((r) => decode(encodeRunCheckpoint(older, r.id)))).kernels).toBeUndefined();
    // Unknown families and variants pass here: whether they run is the device's question (applyKernelChoices).
    expect(decode(edited(bytes, (_t, md) => (md.kernel_choices = '{"warp":"fast"}'))).meta.kernels).toEqual({ warp: 'fast' });
    for (const bad of ['{"matmul":3}', '["quadShared"]', 'null', '"quadShared"']) {
      expect(errorOf(() => decode(edited(bytes, (_t, md) => (md.kernel_choices = bad)))), bad).toBe('ckpt.safetensors: metadata "kernel_choices" is not an object of kernel family → variant names');
    }
    expect(errorOf(() => decode(edited(bytes, (_t, md) => (md.kernel_choices = '{"matmul"'))))).toMatch(/metadata "kernel_choices" is not valid JSON/);
  });

  it('checks that the files of a comparison belong together', () => {
    const s = state();
    const a = decodeRunCheckpoint(encodeRunCheckpoint(s, 'A'), 'a');
    const b = decodeRunCheckpoint(encodeRunCheckpoint(s, 'B'), 'b');
    expect(errorOf(() => comparisonStateFromCheckpoints([a]))).toMatch(/The checkpoint of run "B" at step 17 is missing/);
    const later = decodeRunCheckpoint(encodeRunCheckpoint({ ...s, step: 18 }, 'B'), 'later');
    expect(errorOf(() => comparisonStateFromCheckpoints([a, later]))).toMatch(/later is at step 18, a at step 17/);
    expect(comparisonStateFromCheckpoints([b, a]).runs.map((r) => r.id)).toEqual(['A', 'B']);
    const otherKernels = decodeRunCheckpoint(encodeRunCheckpoint({ ...s, kernels: { matmul: 'registerBlocked' } }, 'B'), 'other');
    expect(errorOf(() => comparisonStateFromCheckpoints([a, otherKernels]))).toBe('other and a record different kernel choices');
    expect(() => encodeRunCheckpoint(s, 'Z')).toThrow(CheckpointError);
  });
});
