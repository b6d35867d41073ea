// Compute pipelines, cached by what changes the code: shader path, #if defines, entry point,
// override constants. Never by shape (shapes travel in uniforms).
import { preprocessWgsl, type Defines } from './preprocess';
import type { ShaderSource } from './shaderSource';

export interface PipelineSpec {
  /** Path under shaders/ without extension, e.g. "nn/matmul". */
  shader: string;
  entryPoint?: string;
  defines?: Defines;
  overrides?: Readonly<Record<string, number>>;
  /**
   * Shaders of shared functions (e.g. "nn/geluMath") appended after the main shader's text, so
   * its `enable` directives stay first; preprocessed with the same defines.
   */
  includes?: readonly string[];
}

function sortedEntries<T>(o: Readonly<Record<string, T>> | undefined): [string, T][] {
  return Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function pipelineKey(spec: PipelineSpec): string {
  return JSON.stringify([spec.shader, spec.includes ?? [], spec.entryPoint ?? 'main', sortedEntries(spec.defines), sortedEntries(spec.overrides)]);
}

export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly modules = new Map<string, GPUShaderModule>();

  constructor(
    private readonly device: GPUDevice,
    private readonly shaders: ShaderSource,
  ) {}

  get size(): number {
    return this.pipelines.size;
  }

  /** The preprocessed WGSL a spec compiles (for error messages and tests). */
  code(spec: PipelineSpec): string {
    const parts = [spec.shader, ...(spec.includes ?? [])];
    return parts.map((path) => preprocessWgsl(this.shaders.text(path), spec.defines ?? {}, `shaders/${path}.wgsl`)).join('\n');
  }

  get(spec: PipelineSpec): GPUComputePipeline {
    const key = pipelineKey(spec);
    const hit = this.pipelines.get(key);
    if (hit) return hit;
    const defineTag = sortedEntries(spec.defines)
      .filter(([, on]) => on)
      .map(([n]) => n)
      .join('+');
    const moduleKey = JSON.stringify([spec.shader, spec.includes ?? [], sortedEntries(spec.defines)]);
    let module = this.modules.get(moduleKey);
    if (!module) {
      module = this.device.createShaderModule({
        label: `Shader.${spec.shader}${defineTag ? `[${defineTag}]` : ''}`,
        code: this.code(spec),
      });
      this.modules.set(moduleKey, module);
    }
    const pipeline = this.device.createComputePipeline({
      label: `Pipeline.${spec.shader}:${spec.entryPoint ?? 'main'}${defineTag ? `[${defineTag}]` : ''}`,
      layout: 'auto',
      compute: { module, entryPoint: spec.entryPoint ?? 'main', constants: spec.overrides ? { ...spec.overrides } : undefined },
    });
    this.pipelines.set(key, pipeline);
    return pipeline;
  }
}
