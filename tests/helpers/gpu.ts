// A real WebGPU device for kernel and engine tests (Dawn in Node). No adapter is a failure,
// with instructions, never a skip.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { createNodeGpu, type NodeGpu } from '../../src/gpu/node';
import { fsShaderSource } from '../../src/gpu/shaderSourceFs';

export interface TestGpu {
  readonly ctx: GpuContext;
  readonly device: GPUDevice;
  readonly node: NodeGpu;
}

/**
 * Registers beforeAll/afterAll hooks that open one device for the file, and an afterEach hook
 * that fails the test if the device reported a validation or out-of-memory error.
 * Use the returned getter inside tests: `const gpu = useGpu(); … gpu().ctx`.
 */
export function useGpu(): () => TestGpu {
  let state: TestGpu | undefined;
  const errors: string[] = [];
  beforeAll(async () => {
    let node: NodeGpu;
    try {
      node = await createNodeGpu('Test.device');
    } catch (e) {
      throw new Error(
        `GPU tests need a WebGPU adapter. ${(e as Error).message}\n` +
          'On Debian: apt-get install chromium libvulkan1 (SwiftShader, a CPU Vulkan driver, ships with chromium).',
      );
    }
    node.device.addEventListener('uncapturederror', (ev) => {
      errors.push((ev as GPUUncapturedErrorEvent).error.message);
    });
    state = { ctx: new GpuContext(node.device, fsShaderSource()), device: node.device, node };
  });
  afterEach(() => {
    const found = errors.splice(0);
    expect(found, 'uncaptured WebGPU errors').toEqual([]);
  });
  afterAll(() => {
    state?.node.close();
  });
  return () => {
    if (!state) throw new Error('useGpu(): the device is not ready (call it at the top of a describe block)');
    return state;
  };
}
