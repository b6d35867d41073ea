// GPU faults as typed values. Two helpers:
// - `allocateInScope` runs allocation code under pushErrorScope('out-of-memory') and
//   pushErrorScope('validation'), so an out-of-memory at buffer creation is reported as such
//   ("out of GPU memory while allocating RunA.model (12.0 MiB)") instead of surfacing later as
//   an uncaptured error or an invalid buffer.
// - `watchDevice` listens to `device.lost` and `uncapturederror` and forwards one typed event per
//   fault, which the worker posts to the page (plain data, structured-clone safe).

export type GpuErrorKind = 'validation' | 'out-of-memory' | 'internal' | 'unknown';

/** A fault the host reports: the device is gone, or an error escaped every error scope. */
export type GpuFault =
  | { kind: 'device-lost'; reason: 'destroyed' | 'unknown'; message: string }
  | { kind: 'uncaptured-error'; errorType: GpuErrorKind; message: string };

/** An allocation that the GPU refused for lack of memory. */
export class GpuOutOfMemoryError extends Error {
  constructor(
    readonly what: string,
    readonly bytes: number | undefined,
    detail: string,
  ) {
    super(`out of GPU memory while allocating ${what}${bytes !== undefined ? ` (${formatMiB(bytes)})` : ''}${detail ? `: ${detail}` : ''}`);
    this.name = 'GpuOutOfMemoryError';
  }
}

/** An allocation that broke a WebGPU rule (a size over a limit, a bad usage). */
export class GpuValidationError extends Error {
  constructor(
    readonly what: string,
    detail: string,
  ) {
    super(`invalid GPU allocation of ${what}: ${detail}`);
    this.name = 'GpuValidationError';
  }
}

/** "12.0 MiB" (one decimal, MiB throughout: the sizes people compare with limits). */
export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

export interface AllocationInfo {
  /** What is being allocated, for the message ('RunA.model', 'comparison'). */
  label: string;
  /** Bytes requested in all (e.g. the memory plan's total), when known. */
  bytes?: number;
}

/**
 * Runs `allocate` (synchronous buffer/pipeline creation) inside an out-of-memory and a
 * validation error scope and resolves with its result, or rejects with GpuOutOfMemoryError /
 * GpuValidationError. The scopes are always popped, also when `allocate` throws.
 */
export async function allocateInScope<T>(device: GPUDevice, info: AllocationInfo | string, allocate: () => T): Promise<T> {
  const what = typeof info === 'string' ? { label: info } : info;
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T | undefined;
  let thrown: { error: unknown } | undefined;
  try {
    result = allocate();
  } catch (e) {
    thrown = { error: e };
  }
  // Scopes pop in reverse order: validation first, then out-of-memory.
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  if (oom) throw new GpuOutOfMemoryError(what.label, what.bytes, oom.message);
  if (validation) throw new GpuValidationError(what.label, validation.message);
  if (thrown) throw thrown.error;
  return result as T;
}

/** The kind of a GPUError, by its class name (classes differ between hosts, names do not). */
export function errorKind(error: GPUError): GpuErrorKind {
  switch (error.constructor?.name) {
    case 'GPUValidationError':
      return 'validation';
    case 'GPUOutOfMemoryError':
      return 'out-of-memory';
    case 'GPUInternalError':
      return 'internal';
    default:
      return 'unknown';
  }
}

/**
 * Forwards every fault of `device` to `onFault`: its loss (once) and each uncaptured error.
 * Returns a function that stops forwarding (call it before destroying the device on purpose,
 * or keep it to report the deliberate destroy as 'destroyed').
 */
export function watchDevice(device: GPUDevice, onFault: (fault: GpuFault) => void): () => void {
  let active = true;
  const onError = (ev: Event) => {
    if (!active) return;
    const error = (ev as GPUUncapturedErrorEvent).error;
    onFault({ kind: 'uncaptured-error', errorType: errorKind(error), message: error.message });
  };
  device.addEventListener('uncapturederror', onError);
  void device.lost.then((info) => {
    if (!active) return;
    active = false;
    device.removeEventListener('uncapturederror', onError);
    onFault({ kind: 'device-lost', reason: info.reason === 'destroyed' ? 'destroyed' : 'unknown', message: info.message });
  });
  return () => {
    active = false;
    device.removeEventListener('uncapturederror', onError);
  };
}

/** One sentence for the page: what happened to the GPU. */
export function describeFault(fault: GpuFault): string {
  if (fault.kind === 'device-lost') {
    const why = fault.reason === 'destroyed' ? 'the device was destroyed' : 'the device was lost (driver reset, GPU removed or out of memory)';
    return `The GPU stopped: ${why}${fault.message ? ` — ${fault.message}` : ''}.`;
  }
  const kind = fault.errorType === 'out-of-memory' ? 'ran out of memory' : fault.errorType === 'validation' ? 'rejected a command (validation error)' : 'reported an internal error';
  return `The GPU ${kind}: ${fault.message}`;
}
