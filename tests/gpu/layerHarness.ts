// Small helpers for the layer-kernel tests: labelled uploads that are destroyed after each
// case, running a list of kernels in one submission, and reading results back.
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import type { Kernel } from '../../src/gpu/context';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32, readUint32 } from '../../src/gpu/readback';
import type { TestGpu } from '../helpers/gpu';

export interface LayerHarness {
  /** Storage buffer holding `data` (Float64Array is rounded to f32). */
  upload(name: string, data: Float32Array | Float64Array | Uint32Array): GPUBuffer;
  /** Zero-filled storage buffer of `count` elements. */
  zeros(name: string, count: number): GPUBuffer;
  run(kernels: readonly Kernel[]): void;
  f32(buffer: GPUBuffer, count: number): Promise<Float32Array>;
  u32(buffer: GPUBuffer, count: number): Promise<Uint32Array>;
  /** Destroys every buffer made since the last call. */
  release(): void;
}

export function layerHarness(gpu: () => TestGpu): LayerHarness {
  const made: GPUBuffer[] = [];
  const keep = (b: GPUBuffer) => {
    made.push(b);
    return b;
  };
  return {
    upload(name, data) {
      const typed = data instanceof Float64Array ? Float32Array.from(data) : data;
      return keep(createStorageBufferWith(gpu().device, `Test.${name}`, typed));
    },
    zeros(name, count) {
      return keep(createStorageBuffer(gpu().device, `Test.${name}`, count * 4));
    },
    run(kernels) {
      submitDispatches(gpu().device, kernels, 'Test');
    },
    f32(buffer, count) {
      return readFloat32(gpu().device, buffer, count);
    },
    u32(buffer, count) {
      return readUint32(gpu().device, buffer, count);
    },
    release() {
      for (const b of made.splice(0)) b.destroy();
    },
  };
}

/** True when two arrays hold the same bits (NaNs included). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
}
