// A GpuContext without a GPU, for unit tests that drive the real kernel builders: a fake
// device that creates inert objects, and a context that records every KernelSpec handed to
// GpuContext.kernel with the source line that built it (the contract test,
// tests/unit/kernelContract.test.ts; docs/architecture.md "The TypeScript–WGSL contract").
import { relative } from 'node:path';
import { vi } from 'vitest';
import { GpuContext, type Kernel, type KernelChoices, type KernelSpec } from '../../src/gpu/context';
import { fsShaderSource } from '../../src/gpu/shaderSourceFs';

/** Stands in for GPUBuffer (`instanceof GPUBuffer` holds once the globals are installed). */
export class FakeGpuBuffer {
  readonly label: string;
  readonly size: number;
  readonly usage: number;
  private mapped: ArrayBuffer | null;

  constructor(d: GPUBufferDescriptor) {
    this.label = d.label ?? '';
    this.size = d.size;
    this.usage = d.usage;
    this.mapped = d.mappedAtCreation ? new ArrayBuffer(d.size) : null;
  }

  getMappedRange(): ArrayBuffer {
    this.mapped ??= new ArrayBuffer(this.size);
    return this.mapped;
  }

  mapAsync(): Promise<void> {
    return Promise.resolve();
  }

  unmap(): void {
    this.mapped = null;
  }

  destroy(): void {}
}

const BUFFER_USAGE = { MAP_READ: 1, MAP_WRITE: 2, COPY_SRC: 4, COPY_DST: 8, INDEX: 16, VERTEX: 32, UNIFORM: 64, STORAGE: 128, INDIRECT: 256, QUERY_RESOLVE: 512 };

/** GPUBuffer, GPUBufferUsage and GPUMapMode as globals (undo with vi.unstubAllGlobals). */
export function installFakeGpuGlobals(): void {
  vi.stubGlobal('GPUBuffer', FakeGpuBuffer);
  vi.stubGlobal('GPUBufferUsage', BUFFER_USAGE);
  vi.stubGlobal('GPUMapMode', { READ: 1, WRITE: 2 });
}

/** A device whose objects do nothing; it has the `subgroups` feature, so every variant builds. */
export function fakeDevice(): GPUDevice {
  const labelled = (d: { label?: string }) => ({ label: d.label ?? '' });
  const pass = { setPipeline() {}, setBindGroup() {}, dispatchWorkgroups() {}, end() {} };
  const encoder = { beginComputePass: () => pass, copyBufferToBuffer() {}, clearBuffer() {}, finish: () => ({}) };
  const device = {
    label: 'FakeDevice',
    features: new Set(['subgroups']),
    limits: { maxComputeWorkgroupsPerDimension: 65535, maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 31 },
    queue: { writeBuffer() {}, submit() {}, onSubmittedWorkDone: () => Promise.resolve() },
    createBuffer: (d: GPUBufferDescriptor) => new FakeGpuBuffer(d),
    createShaderModule: labelled,
    createComputePipeline: (d: { label?: string }) => ({ ...labelled(d), getBindGroupLayout: () => ({ label: '' }) }),
    createBindGroup: labelled,
    createCommandEncoder: () => encoder,
  };
  return device as unknown as GPUDevice;
}

export interface RecordedKernel {
  spec: KernelSpec;
  /** "src/nn/relu.ts:29": the line of src/ that called GpuContext.kernel. */
  callSite: string;
}

const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/** The first stack frame in src/ (the builder that called kernel), as "src/…:line". */
function srcCaller(stack: string): string {
  for (const line of stack.split('\n')) {
    const m = /\(?((?:file:\/\/)?\/[^():]+\.ts):(\d+):\d+\)?$/.exec(line.trim());
    if (!m) continue;
    const file = relative(REPO_ROOT, m[1].replace(/^file:\/\//, ''));
    if (file.startsWith('src/')) return `${file}:${m[2]}`;
  }
  return '(unknown call site)';
}

/** A real GpuContext on the fake device and the repository's shaders, recording every kernel. */
export class RecordingContext extends GpuContext {
  readonly recorded: RecordedKernel[] = [];

  constructor(choices?: Partial<KernelChoices>) {
    super(fakeDevice(), fsShaderSource(), choices);
  }

  override kernel(spec: KernelSpec): Kernel {
    this.recorded.push({ spec, callSite: srcCaller(new Error('call site').stack ?? '') });
    return super.kernel(spec);
  }
}
