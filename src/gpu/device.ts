// Adapter and device acquisition shared by every host (browser page, worker, Node).
// The host hands in its `GPU` object (navigator.gpu, or the one from the `webgpu` package);
// this module asks for the limits the engine needs, explicitly, up to what the adapter offers.

/** What the UI, the benchmarks and the logs show about the adapter a run got. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** One line a person can read (adapterSummary): what the page and the CLI print. */
  summary: string;
  /** The limits the engine requested and got (a subset of GPUSupportedLimits). */
  limits: Record<EngineLimitName, number>;
  features: string[];
}

/** Limits the engine relies on; each is requested at the adapter's maximum. */
export const ENGINE_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxUniformBufferBindingSize',
] as const;
export type EngineLimitName = (typeof ENGINE_LIMITS)[number];

/** Minimums below which the engine cannot run its kernels at all. */
const REQUIRED_MINIMUMS: Partial<Record<EngineLimitName, number>> = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
};

/**
 * Optional features used when present: timestamp queries for profiling, subgroups for the
 * quadShared matmul (src/nn/matmul.ts).
 */
const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups'];

export class NoAdapterError extends Error {
  constructor(detail: string) {
    super(
      `No WebGPU adapter is available (${detail}). ` +
        'In a browser, use a recent Chrome, Edge or Firefox with WebGPU enabled. ' +
        'On a Debian machine without a GPU, install the SwiftShader Vulkan driver with ' +
        '`apt-get install chromium libvulkan1` and set ' +
        'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.',
    );
    this.name = 'NoAdapterError';
  }
}

export interface AcquiredDevice {
  adapter: GPUAdapter;
  device: GPUDevice;
  report: AdapterReport;
}

/** Requests a high-performance adapter and a device with the engine's limits. */
export async function acquireDevice(gpu: GPU | undefined, label = 'Engine.device'): Promise<AcquiredDevice> {
  if (!gpu) throw new NoAdapterError('this environment has no WebGPU (navigator.gpu is missing)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new NoAdapterError('requestAdapter() returned null');

  const requiredLimits: Record<string, number> = {};
  for (const name of ENGINE_LIMITS) {
    const offered = adapter.limits[name];
    const needed = REQUIRED_MINIMUMS[name];
    if (needed !== undefined && offered < needed) {
      throw new NoAdapterError(`the adapter offers ${name} = ${offered}, the engine needs at least ${needed}`);
    }
    requiredLimits[name] = offered;
  }
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ label, requiredLimits, requiredFeatures });
  return { adapter, device, report: describeAdapter(adapter, device) };
}

export function describeAdapter(adapter: GPUAdapter, device: GPUDevice): AdapterReport {
  const info = adapter.info;
  const limits = {} as Record<EngineLimitName, number>;
  for (const name of ENGINE_LIMITS) limits[name] = device.limits[name];
  const named = {
    vendor: info?.vendor || 'unknown vendor',
    architecture: info?.architecture || 'unknown architecture',
    device: info?.device || '',
    description: info?.description || '',
  };
  return { ...named, summary: adapterSummary(named), limits, features: [...device.features].map(String).sort() };
}

/** One line a person can read: "google / swiftshader (SwiftShader Device (Subzero))". */
export function adapterSummary(report: Pick<AdapterReport, 'vendor' | 'architecture' | 'device' | 'description'>): string {
  const detail = [report.device, report.description].filter((s) => s.length > 0).join(', ');
  return `${report.vendor} / ${report.architecture}${detail ? ` (${detail})` : ''}`;
}
