import type { GpuStatus } from '../store/gpuSlice';

const MiB = 1024 * 1024;

/** The adapter the worker got, or why there is none. */
export function AdapterPanel({ gpu }: { gpu: GpuStatus }) {
  switch (gpu.state) {
    case 'probing':
      return <p data-testid="adapter">Looking for a WebGPU adapter…</p>;
    case 'unavailable':
      return (
        <div role="alert" data-testid="no-webgpu" className="notice">
          <p>
            <strong>This browser has no WebGPU.</strong> The playground trains models on your GPU through WebGPU.
          </p>
          <p>
            Use a current Chrome or Edge (version 113 or later), Safari 26, or Firefox 141 or later on Windows; on Linux,
            Chrome with <code>chrome://flags/#enable-unsafe-webgpu</code> enabled. See{' '}
            <a href="https://caniuse.com/webgpu" rel="noreferrer">which browsers support WebGPU</a>.
          </p>
          <details>
            <summary>Details</summary>
            <p>{gpu.message}</p>
          </details>
        </div>
      );
    case 'error':
      return (
        <p role="alert" data-testid="adapter-error" className="notice">
          The GPU could not be started: {gpu.message}
        </p>
      );
    case 'ready': {
      const r = gpu.report;
      return (
        <div data-testid="adapter-panel">
          <p data-testid="adapter">
            Adapter: <strong>{r.summary}</strong>
          </p>
          <details>
            <summary>Limits and features</summary>
            <ul>
              <li>max storage binding: {(r.limits.maxStorageBufferBindingSize / MiB).toFixed(0)} MiB</li>
              <li>max buffer: {(r.limits.maxBufferSize / MiB).toFixed(0)} MiB</li>
              <li>workgroup storage: {r.limits.maxComputeWorkgroupStorageSize} bytes</li>
              <li>invocations per workgroup: {r.limits.maxComputeInvocationsPerWorkgroup}</li>
              <li>storage buffers per stage: {r.limits.maxStorageBuffersPerShaderStage}</li>
              <li>features: {r.features.join(', ') || 'none'}</li>
            </ul>
          </details>
        </div>
      );
    }
  }
}
