// Data and storage: upload a dataset file (checked on the page, refusals shown next to the
// control), export/import the comparison as a bundle, and the comparisons saved in this browser
// (open, rename, delete; a full quota is reported here). Every user string is rendered as text.
import { useEffect, useId, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import { useStore } from 'zustand';
import { datasetFitsModel } from '../train/datasetFit';
import { bundleFileName, exportBundle, importBundleText, serializeBundle, BUNDLE_MAX_BYTES } from '../store/bundle';
import { csvFileName, metricsCsv } from '../store/csv';
import { savedLabel, type Persistence, type SavedComparison } from '../store/persistence';
import { isBusy } from '../store/runState';
import type { AppStore } from '../store/store';
import { download } from './download';
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
  const [datasetRefusal, setDatasetRefusal] = useState<string | null>(null); // why the text could not become the dataset
  const id = useId();
  const load = async (list: FileList, as: UploadKind) => {
    setDatasetRefusal(null);
    // The size limit first, from the sizes alone: a huge file is never read.
    for (const f of list) {
      const refusal = checkUploadSize(as, f.name, f.size);
      if (refusal) {
        setMessage({ ok: false, text: refusal });
        return;
      }
    }
    // The worker builds its dataset with the same function: what loads here, trains there.
    const result = parseUpload(as, await readFiles(list));
    if (!result.ok) {
      setMessage({ ok: false, text: result.message });
      return;
    }
    const s = store.getState();
    s.sendUserData(result.data);
    setMessage({ ok: true, text: `Loaded ${result.summary}.` });
    // A text file uploaded while a GPT is chosen is what the user means to train on.
    if (as === 'user-text' && s.config.dataset !== 'user-text' && datasetFitsModel(s.config.model, 'user-text')) {
      setDatasetRefusal(s.setConfigField('dataset', 'user-text'));
    }
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
    const as: UploadKind = [...list].every((f) => f.name.toLowerCase().endsWith('.bin')) ? 'cifar10' : 'user-text';
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
          aria-describedby={[message ? id : '', datasetRefusal !== null ? `${id}-dataset` : ''].join(' ').trim() || undefined}
          onChange={(e) => void onFiles(e)}
        />
      </label>
      <Feedback message={message} testId="upload-message" id={id} />
      <Feedback message={datasetRefusal === null ? null : { ok: false, text: datasetRefusal }} testId="upload-dataset-message" id={`${id}-dataset`} />
    </div>
  );
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

/** A saved comparison's name as text, with Rename: an input that commits on Enter or blur (Escape cancels). */
function SavedTitle({ persistence, item }: { persistence: Persistence; item: SavedComparison }) {
  const label = savedLabel(item);
  const [text, setText] = useState<string | null>(null); // null: not renaming
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false); // closed from the keyboard: focus goes back to Rename
  const id = useId();
  useEffect(() => {
    if (text !== null || !refocus.current) return;
    refocus.current = false;
    button.current?.focus();
  }, [text]);
  const close = (toButton: boolean) => {
    refocus.current = toButton;
    setText(null);
    setError(null);
  };
  const commit = async (toButton: boolean) => {
    if (text === null) return;
    if (text.trim() === label) return close(toButton);
    const refusal = await persistence.rename(item.id, text);
    if (refusal === null) close(toButton);
    else setError(refusal);
  };
  if (text === null) {
    return (
      <>
        <span data-testid="saved-title">{label}</span>{' '}
        <button ref={button} type="button" className="quiet" data-testid="saved-rename" aria-label={`Rename saved comparison ${label}`} onClick={() => setText(label)}>
          Rename
        </button>
      </>
    );
  }
  return (
    <span className={`saved-rename${error ? ' field-invalid' : ''}`}>
      <input
        autoFocus
        type="text"
        className="saved-title-input"
        aria-label="New name of the saved comparison"
        data-testid="saved-title-input"
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-err` : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => void commit(false)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void commit(true);
          if (e.key === 'Escape') close(true);
        }}
      />
      {error && (
        <span id={`${id}-err`} role="alert" className="field-error" data-testid="saved-title-error">
          {error}
        </span>
      )}
    </span>
  );
}

function SavedList({ store, persistence }: { store: AppStore; persistence: Persistence }) {
  const saved = useStore(persistence.state, (s) => s.saved);
  const current = useStore(persistence.state, (s) => s.currentId);
  const error = useStore(persistence.state, (s) => s.error);
  // Another comparison opens only while nothing trains or builds.
  const busy = useStore(store, (s) => isBusy(s.control));
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
                <SavedTitle persistence={persistence} item={c} /> <span className="muted">· {c.model} · step {c.step} · {new Date(c.updatedAt).toLocaleString()}</span>
                {c.id === current ? <strong> (shown)</strong> : null}
              </span>{' '}
              <button type="button" disabled={busy || c.id === current} onClick={() => void persistence.open(c.id).then(setMessage)}>
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
                <button type="button" data-testid="saved-delete" onClick={() => setConfirming(c.id)} aria-label={`Delete saved comparison ${savedLabel(c)}`}>
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
