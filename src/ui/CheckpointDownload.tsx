// Saves each checkpoint file the worker sends (a run's safetensors at its current step).
import { useEffect } from 'react';
import type { AppStore } from '../store/store';

export function CheckpointDownload({ store }: { store: AppStore }) {
  useEffect(
    () =>
      store.subscribe((s, prev) => {
        const f = s.checkpointFile;
        if (!f || f === prev.checkpointFile) return;
        const url = URL.createObjectURL(new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = f.fileName;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }),
    [store],
  );
  return null;
}
