// Data and storage: upload a dataset file (checked on the page, refusals shown next to the
// control), export/import the comparison as a bundle, and the comparisons saved in this browser
// (open, delete; a full quota is reported here). Every user string is rendered as text.
import { useEffect, useId, useState, type ChangeEvent, type DragEvent } from 'react';
import { useStore } from 'zustand';
import { bundleFileName, exportBundle, importBundleText, serializeBundle, BUNDLE_MAX_BYTES } from '../store/bundle';
import { csvFileName, metricsCsv } from '../store/csv';
import type { Persistence } from '../store/persistence';
import type { AppStore } from '../store/store';
import { checkUploadSize, parseUpload, type UploadKind } from '../store/upload';

type Message = { ok: boolean; text: string } | null;

function Feedback({ message, testId, id }: { message: Message; testId: string; id: string }) {
  if (!message) return null;
  return (
    <p id={id} role={message.ok ? 'status' : 'alert'} className={message.ok ? 'muted' : 'field-error'} data-testid={testId}>
      {message.text}
    </p>
  );
}

async function readFiles(list: FileList): Promise<{ name: string; bytes: Uint8Array }[]> {
  return Promise.all([...list].map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

function DataUpload({ store }: { store: AppStore }) {
  const [kind, setKind] = useState<UploadKind>('user-text');
  const [message, setMessage] = useState<Message>(null);
  const id = useId();
  const load = async (list: FileList, as: UploadKind) => {
    // The size limit first, from the sizes alone: a huge file is never read.
    for (const f of list) {
      const refusal = checkUploadSize(as, f.name, f.size);
      if (refusal) {
        setMessage({ ok: false, text: refusal });
        return;
      }
    }
    const result = parseUpload(as, await readFiles(list));
    if (!result.ok) {
      setMessage({ ok: false, text: result.message });
      return;
    }
    store.getState().sendUserData(result.data);
    setMessage({ ok: true, text: `Loaded ${result.summary}.` });
  };
  const onFiles = async (e: ChangeEvent<HTMLInputElement>) => {
    const list = e.target.files;
    if (list && list.length > 0) await load(list, kind);
    e.target.value = '';
  };
  // Dropped files: CIFAR-10 batches are .bin files, anything else is read as text.
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    const list = e.dataTransfer.files;
    if (list.length === 0) return;
    const as: UploadKind = [...list].every((f) => f.name.endsWith('.bin')) ? 'cifar10' : 'user-text';
    setKind(as);
    void load(list, as);
  };
  return (
    <div className="storage-block drop-zone" data-testid="drop-zone" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <h3>Your data</h3>
      <p className="muted">Drop a UTF-8 text file or the CIFAR-10 binary batches here, or choose them below.</p>
      <label className="inline">
        Kind{' '}
        <select data-testid="upload-kind" value={kind} onChange={(e) => setKind(e.target.value as UploadKind)}>
          <option value="user-text">Text file (UTF-8)</option>
          <option value="cifar10">CIFAR-10 binary batches</option>
        </select>
      </label>{' '}
      <label className="inline">
        File{' '}
        <input
          type="file"
          data-testid="upload-file"
          accept={kind === 'user-text' ? '.txt,text/plain' : '.bin'}
          multiple={kind === 'cifar10'}
          aria-invalid={message && !message.ok ? true : undefined}
          aria-describedby={message ? id : undefined}
          onChange={(e) => void onFiles(e)}
        />
      </label>
      <Feedback message={message} testId="upload-message" id={id} />
    </div>
  );
}

/** Saves `text` as a file through a temporary object URL. */
function download(text: string, type: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function ExportImport({ store }: { store: AppStore }) {
  const [message, setMessage] = useState<Message>(null);
  const id = useId();
  const onExport = () => {
    const bundle = exportBundle(store.getState());
    download(serializeBundle(bundle), 'application/json', bundleFileName(bundle));
  };
  const onExportCsv = () => {
    const s = store.getState();
    download(metricsCsv(s, s.prefs.smoothing), 'text/csv', csvFileName());
  };
  const onImport = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > BUNDLE_MAX_BYTES) {
      setMessage({ ok: false, text: `"${file.name}" is larger than ${BUNDLE_MAX_BYTES / 1024 ** 2} MiB; it is not a playground bundle.` });
      return;
    }
    const refusal = importBundleText(store, await file.text());
    setMessage(refusal ? { ok: false, text: `"${file.name}" was not imported. ${refusal}` } : { ok: true, text: `Imported "${file.name}".` });
  };
  return (
    <div className="storage-block">
      <h3>Export and import</h3>
      <button type="button" data-testid="export" onClick={onExport}>
        Export bundle
      </button>{' '}
      <button type="button" data-testid="export-csv" onClick={onExportCsv} title="Every metric of every run, one row per run per step">
        Export CSV
      </button>{' '}
      <label className="inline">
        Import bundle{' '}
        <input type="file" accept=".json,application/json" data-testid="import-file" aria-describedby={message ? id : undefined} onChange={(e) => void onImport(e)} />
      </label>
      <Feedback message={message} testId="import-message" id={id} />
    </div>
  );
}

function SavedList({ store, persistence }: { store: AppStore; persistence: Persistence }) {
  const saved = useStore(persistence.state, (s) => s.saved);
  const current = useStore(persistence.state, (s) => s.currentId);
  const error = useStore(persistence.state, (s) => s.error);
  const running = useStore(store, (s) => s.running);
  const [message, setMessage] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <div className="storage-block">
      <h3>Saved in this browser</h3>
      {error && (
        <p role="alert" className="field-error" data-testid="storage-error">
          {error}
        </p>
      )}
      {message && (
        <p role="alert" className="field-error">
          {message}
        </p>
      )}
      {saved.length === 0 ? (
        <p className="muted">Nothing saved yet: comparisons are saved as they train.</p>
      ) : (
        <ul className="saved-list" data-testid="saved-list">
          {saved.map((c) => (
            <li key={c.id} data-testid="saved-item">
              <span>
                {c.runNames.join(' vs ')} <span className="muted">· {c.model} · step {c.step} · {new Date(c.updatedAt).toLocaleString()}</span>
                {c.id === current ? <strong> (shown)</strong> : null}
              </span>{' '}
              <button type="button" disabled={running || c.id === current} onClick={() => void persistence.open(c.id).then(setMessage)}>
                Open
              </button>{' '}
              {confirming === c.id ? (
                <span role="group" aria-label="Confirm deletion">
                  <strong>Delete it for good?</strong>{' '}
                  <button
                    type="button"
                    data-testid="saved-delete-confirm"
                    onClick={() => {
                      setConfirming(null);
                      void persistence.delete(c.id);
                    }}
                  >
                    Yes, delete
                  </button>{' '}
                  <button type="button" onClick={() => setConfirming(null)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <button type="button" data-testid="saved-delete" onClick={() => setConfirming(c.id)} aria-label={`Delete saved comparison ${c.runNames.join(' vs ')}`}>
                  Delete
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function StoragePanel({ store, persistence }: { store: AppStore; persistence: Promise<Persistence> | null }) {
  const [p, setP] = useState<Persistence | null>(null);
  useEffect(() => {
    let live = true;
    void persistence?.then((x) => live && setP(x));
    return () => {
      live = false;
    };
  }, [persistence]);
  return (
    <section className="storage" aria-label="Data and storage">
      <DataUpload store={store} />
      <ExportImport store={store} />
      {p && <SavedList store={store} persistence={p} />}
    </section>
  );
}
