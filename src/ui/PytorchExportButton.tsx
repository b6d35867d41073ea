// "Continue in PyTorch" on a run card: asks the worker for the run's checkpoint (the same reply
// as the Checkpoint button's, src/ui/CheckpointDownload.tsx) and saves it, with the config, the
// data, the Python package and a README, as one zip (pytorchZip.ts, loaded on first use).
import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { AppStore } from '../store/store';

function save(fileName: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function PytorchExportButton({ store, runId }: { store: AppStore; runId: string }) {
  /** Why there is nothing to export, or null. */
  const blocked = useStore(store, (s) =>
    s.session !== 'ready' ? 'Nothing to export yet: start training first (the zip holds the run at its current step)' : s.runs[runId]?.status.state === 'device-lost' ? 'The GPU device was lost: resume the runs first' : null,
  );
  useEffect(
    () =>
      store.subscribe((s, prev) => {
        const f = s.pytorchExport;
        if (!f || f === prev.pytorchExport || f.runId !== runId) return;
        import('./pytorchZip')
          .then(({ pytorchZip }) => pytorchZip(f))
          .then((zip) => save(zip.fileName, zip.bytes))
          .catch((e: unknown) => store.setState({ notice: `Continue in PyTorch: ${e instanceof Error ? e.message : String(e)}` }));
      }),
    [store, runId],
  );
  return (
    <button
      type="button"
      className="quiet"
      data-testid={`pytorch-${runId}`}
      disabled={blocked !== null}
      onClick={() => {
        const problem = store.getState().exportPytorch(runId);
        if (problem) store.setState({ notice: problem });
      }}
      title={blocked ?? 'Save a zip to continue this run in PyTorch on a GPU machine: its checkpoint at the current step, the config, the data, the Python package and a README with the commands (docs/pytorch.md)'}
    >
      Continue in PyTorch
    </button>
  );
}
