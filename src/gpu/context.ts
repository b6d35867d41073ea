// What every kernel builder is handed: the device, the shader source of this host and the
// pipeline cache, plus the per-adapter kernel choices made at start-up.
import { createUniformBufferWith } from './buffers';
import { bindGroupFor, type Binding, type Dispatch } from './dispatch';
import { PipelineCache, type PipelineSpec } from './pipelines';
import type { ShaderSource } from './shaderSource';
import { packUniforms, uniformLayout, type UniformField, type UniformLayout, type UniformValues } from './uniforms';

/**
 * The variant chosen for each kernel family on this adapter. Empty here: the gpu layer names no
 * family and no variant. Each family module adds its own field by declaration merging
 * (`declare module '../gpu/context' { interface KernelChoices { bias: BiasBackwardVariant } }`)
 * and reads `ctx.choices.<family> ?? <its own default>` (docs/performance.md, "Kernel variants").
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by each family's declaration merging
export interface KernelChoices {}

export interface KernelSpec extends PipelineSpec {
  label: string;
  /** Params struct layout and values, bound at @binding(0) when present. */
  params?: { layout: UniformLayout; values: UniformValues };
  /**
   * Storage bindings, in @binding order (after the params uniform when there is one); an
   * undefined entry is a binding number the built variant does not declare.
   */
  buffers: readonly (Binding | undefined)[];
  workgroups: readonly [number, number, number];
}

/** A prepared dispatch plus its params buffer, which callers may rewrite between steps. */
export interface Kernel extends Dispatch {
  params?: GPUBuffer;
  layout?: UniformLayout;
}

export class GpuContext {
  readonly pipelines: PipelineCache;
  /** The families chosen so far; a family missing here uses its own default. */
  choices: Partial<KernelChoices>;
  private readonly layouts = new Map<string, UniformLayout>();

  constructor(
    readonly device: GPUDevice,
    readonly shaders: ShaderSource,
    choices: Partial<KernelChoices> = {},
  ) {
    this.pipelines = new PipelineCache(device, shaders);
    this.choices = { ...choices };
  }

  /** A uniform layout, computed once per distinct field list. */
  layout(fields: readonly UniformField[]): UniformLayout {
    const key = fields.map((f) => `${f.name}:${f.type}`).join(',');
    let l = this.layouts.get(key);
    if (!l) {
      l = uniformLayout(fields);
      this.layouts.set(key, l);
    }
    return l;
  }

  /** Builds a Kernel: pipeline from the cache, params buffer, bind group, grid. */
  kernel(spec: KernelSpec): Kernel {
    const pipeline = this.pipelines.get(spec);
    let params: GPUBuffer | undefined;
    const bindings: (Binding | undefined)[] = [];
    if (spec.params) {
      params = createUniformBufferWith(this.device, `${spec.label}.params`, packUniforms(spec.params.layout, spec.params.values));
      bindings.push(params);
    }
    bindings.push(...spec.buffers);
    return {
      label: spec.label,
      pipeline,
      bindGroup: bindGroupFor(this.device, `${spec.label}.bindGroup`, pipeline, bindings),
      workgroups: spec.workgroups,
      params,
      layout: spec.params?.layout,
    };
  }

  /** Rewrites a kernel's params (for values that change between steps, e.g. the learning rate). */
  updateParams(kernel: Kernel, values: UniformValues): void {
    if (!kernel.params || !kernel.layout) throw new Error(`${kernel.label} has no params to update`);
    this.device.queue.writeBuffer(kernel.params, 0, packUniforms(kernel.layout, values));
  }
}
