// Loads TensorFlow.js on one backend, inside the bench page only. WebGPU uses the browser's
// navigator.gpu (the same adapter as ours); WASM loads its binaries from the npm package
// through Vite (`?url`, no network) and runs XNNPACK on 2 threads, which needs the page to be
// cross-origin isolated (bench/vite.config.ts sets COOP/COEP).
import type * as TF from '@tensorflow/tfjs';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export type Tf = typeof TF;
export type TfImpl = 'tfjs-webgpu' | 'tfjs-wasm';

/** Threads given to TF.js-WASM: the whole 2-core machine, as a user's page would get. */
export const WASM_THREADS = 2;

export interface LoadedTf {
  tf: Tf;
  /** Backend name, version and threads, for the row's detail. */
  detail: string;
}

export async function loadTf(impl: TfImpl): Promise<LoadedTf> {
  const tf = await import('@tensorflow/tfjs');
  let extra = '';
  if (impl === 'tfjs-webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not initialise its webgpu backend');
  } else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
    });
    wasm.setThreadsCount(WASM_THREADS);
    // TF.js-WASM caps its XNNPACK pool at navigator.hardwareConcurrency / 2, read once when the
    // module is instantiated, whatever setThreadsCount asks: one thread on a 2-core machine.
    // Report 2·WASM_THREADS cores while the backend initialises so that the cap lets it have
    // WASM_THREADS, then restore the real value.
    Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * WASM_THREADS, configurable: true });
    try {
      if (!(await tf.setBackend('wasm'))) throw new Error('TF.js could not initialise its wasm backend');
    } finally {
      Reflect.deleteProperty(navigator, 'hardwareConcurrency');
    }
    const threads = wasm.getThreadsCount();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    if (threads !== WASM_THREADS) {
      throw new Error(
        `TF.js-WASM runs on ${threads} thread(s), not ${WASM_THREADS} ` +
          `(crossOriginIsolated ${globalThis.crossOriginIsolated}, multithread support ${String(multithread)}, simd ${String(simd)})`,
      );
    }
    extra = `, ${threads} threads, simd ${String(simd)}`;
  }
  await tf.ready();
  return { tf, detail: `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}${extra}` };
}
