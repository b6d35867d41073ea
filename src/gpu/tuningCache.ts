// Where per-adapter tuning results are kept, and the key they are kept under: the adapter plus
// a hash of the code measured, so a changed kernel is measured again.
import type { GpuContext } from './context';
import { hash32 } from '../util/rng';

/**
 * Storage for tuning results as JSON strings. Browser: back it with localStorage or IndexedDB
 * (see storageTuningCache); Node: a file or a Map (MemoryTuningCache).
 */
export interface TuningCache {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
}

/** A TuningCache in a Map (tests, one Node process). */
export class MemoryTuningCache implements TuningCache {
  readonly entries = new Map<string, string>();
  get(key: string): string | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: string): void {
    this.entries.set(key, value);
  }
}

/** A TuningCache over a Web Storage-like object (window.localStorage). */
export function storageTuningCache(
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void },
  prefix = 'ire-playground.tuning.',
): TuningCache {
  return {
    get: (key) => storage.getItem(prefix + key),
    set: (key, value) => storage.setItem(prefix + key, value),
  };
}

function hashText(text: string): string {
  let h = 0x9e3779b9;
  for (let i = 0; i < text.length; i++) h = hash32(h ^ text.charCodeAt(i));
  return h.toString(16).padStart(8, '0');
}

/**
 * "name|vendor|architecture|device|description|code-hash": the adapter, and a hash of the
 * shaders measured and of `extra` (workgroup tables, workload shapes).
 */
export function tuningKey(ctx: GpuContext, name: string, shaders: readonly string[], extra: string): string {
  const info: Partial<GPUAdapterInfo> = (ctx.device as Partial<Pick<GPUDevice, 'adapterInfo'>>).adapterInfo ?? {};
  const code = hashText(shaders.map((s) => ctx.shaders.text(s)).join('\n') + extra);
  return [name, info.vendor || '?', info.architecture || '?', info.device || '?', info.description || '?', code].join('|');
}
