// Node host: WebGPU through Dawn (the `webgpu` npm package).
// dawn.node aborts the process if the object returned by create() is garbage-collected while
// a device lives, so the handle is kept by the returned NodeGpu, which callers must hold.
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { acquireDevice, type AcquiredDevice } from './device';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeGpu extends AcquiredDevice {
  /** The Dawn instance; keep this object alive for as long as the device is used. */
  readonly gpu: GPU;
  /** Destroys the device so that Node can exit. */
  close(): void;
}

let globalsInstalled = false;

/** Creates a device on the best adapter Dawn finds (SwiftShader where there is no GPU). */
export async function createNodeGpu(label = 'Node.device'): Promise<NodeGpu> {
  if (!globalsInstalled) {
    // GPUBufferUsage, GPUMapMode, … as globals, as in a browser.
    Object.assign(globalThis, globals);
    globalsInstalled = true;
  }
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    // Only consulted by the Vulkan loader if no GPU driver is registered; harmless otherwise.
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  const gpu = create([]) as unknown as GPU;
  const acquired = await acquireDevice(gpu, label);
  return {
    ...acquired,
    gpu,
    close: () => acquired.device.destroy(),
  };
}
