// Runs, metric series and events saved in IndexedDB as they arrive, so a reload or a crash loses
// at most the last flush interval (~1 s) of metrics. Saved comparisons are listed, can be opened
// again, renamed or deleted; the latest one is reopened at start-up when the link carries no config.
//
// Layout (database "ire-playground", version 1):
//   comparisons  key id             { id, updatedAt, config, step, events, views, histograms, title? }
//   chunks       key [id, seq]      { id, seq, runs: { runId → rows appended since the last flush } }
// A flush writes the small parts whole (config, run views, events, the latest histograms) and
// only the new rows of each series, in one transaction. Loading concatenates the chunks in
// order and validates the result as an imported bundle would be (bundle.ts) before the store
// sees it. A full quota (QuotaExceededError) is reported as a message; nothing is lost from the
// page, and the rows not yet written are retried at the next flush.
// A comparison's name in the list is its run names ("AdamW vs AdmIRE") until the user renames it;
// the new name is then stored as `title` (records without one, older ones included, keep the
// derived name), and every later flush writes it back with the record.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ComparisonConfig } from '../train/config';
import { LIMITS } from '../train/configSchema';
import type { HessianHistogram } from '../worker/protocol';
import { applyBundle, BUNDLE_FORMAT, BUNDLE_VERSION, parseBundle, savedView, type Bundle } from './bundle';
import { emptyRunSeries, seriesKey, type EvalSeries, type RunSeries, type SharpnessSeries, type TrainSeries } from './series';
import type { AppState, AppStore, LogEvent, RunView } from './store';

export const DB_NAME = 'ire-playground';
const DB_VERSION = 1;
const COMPARISONS = 'comparisons';
const CHUNKS = 'chunks';
export const DEFAULT_FLUSH_MS = 1000;

// ---------------------------------------------------------------------------------------------
// Chunks: the rows of each series appended since a cursor (pure functions, unit-tested)

/** How many rows of each series of one run are saved. */
export interface SeriesCursor {
  train: number;
  eval: number;
  sharpness: number;
}

export interface RunRows {
  train: TrainSeries;
  eval: EvalSeries;
  sharpness: SharpnessSeries;
}

export type ChunkRows = Record<string, RunRows>;

function sliceColumns<T extends object>(cols: T, from: number): T {
  const out = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(cols)) out[k] = (v as unknown[]).slice(from);
  return out as T;
}

/** The rows of `series` past `cursors` (null when there are none) and the cursors after them. */
export function rowsSince(series: Record<string, RunSeries>, cursors: Record<string, SeriesCursor>): { rows: ChunkRows | null; next: Record<string, SeriesCursor> } {
  const rows: ChunkRows = {};
  const next: Record<string, SeriesCursor> = {};
  let any = false;
  for (const [id, s] of Object.entries(series)) {
    const c = cursors[id] ?? { train: 0, eval: 0, sharpness: 0 };
    const now = { train: s.train.step.length, eval: s.eval.step.length, sharpness: s.sharpness.step.length };
    next[id] = now;
    if (now.train > c.train || now.eval > c.eval || now.sharpness > c.sharpness) {
      rows[id] = { train: sliceColumns(s.train, c.train), eval: sliceColumns(s.eval, c.eval), sharpness: sliceColumns(s.sharpness, c.sharpness) };
      any = true;
    }
  }
  return { rows: any ? rows : null, next };
}

/**
 * Appends a chunk's columns. A column the chunk lacks (saved before that column existed) is
 * filled with nulls, so that every column keeps the length of `step`.
 */
function appendColumns<T extends { step: number[] }>(into: T, rows: T): void {
  const n = rows.step.length;
  for (const [k, col] of Object.entries(into) as [string, unknown[]][]) {
    const v = (rows as Record<string, unknown>)[k];
    col.push(...(Array.isArray(v) ? v : new Array<null>(n).fill(null)));
  }
}

/** Series rebuilt from chunks in order. */
export function seriesFromChunks(runIds: readonly string[], chunks: readonly ChunkRows[]): Record<string, RunSeries> {
  const series: Record<string, RunSeries> = Object.fromEntries(runIds.map((id) => [id, emptyRunSeries()]));
  for (const chunk of chunks) {
    for (const [id, r] of Object.entries(chunk)) {
      const s = series[id];
      if (!s) continue;
      appendColumns(s.train, r.train);
      appendColumns(s.eval, r.eval);
      appendColumns(s.sharpness, r.sharpness);
    }
  }
  return series;
}

// ---------------------------------------------------------------------------------------------
// Records

interface ComparisonRecord {
  id: string;
  updatedAt: number; // ms since epoch
  config: ComparisonConfig;
  step: number;
  events: LogEvent[];
  views: Record<string, RunView>;
  histograms: Record<string, HessianHistogram | null>;
  title?: string; // the name the user gave it; absent: derived from the run names
}

interface ChunkRecord {
  id: string;
  seq: number;
  runs: ChunkRows;
}

/** One line of the saved-comparisons list (run names are user text: render as text). */
export interface SavedComparison {
  id: string;
  updatedAt: number;
  model: string;
  runNames: string[];
  step: number;
  /** The name the user gave it (user text), or null: the list shows `savedLabel`. */
  title: string | null;
}

/** The name a saved comparison gets until the user renames it: its run names. */
export const derivedTitle = (runNames: readonly string[]): string => runNames.join(' vs ');

/** The name shown in the saved list. */
export const savedLabel = (c: SavedComparison): string => c.title ?? derivedTitle(c.runNames);

/** A saved comparison's new name, trimmed: 1 to 100 characters (code points, as run names). */
export function validateSavedTitle(text: string): { ok: true; title: string } | { ok: false; message: string } {
  const title = text.trim();
  const chars = [...title].length;
  if (chars < 1 || chars > LIMITS.maxNameLength) return { ok: false, message: `name must be 1 to ${LIMITS.maxNameLength} characters (it has ${chars})` };
  return { ok: true, title };
}

export interface PersistenceState {
  /** IndexedDB could be opened. */
  available: boolean;
  saved: SavedComparison[]; // newest first
  /** The saved comparison the store shows and appends to (null until it has data). */
  currentId: string | null;
  /** Largest step written by the last successful flush (0 before any). */
  flushedStep: number;
  flushes: number;
  /** Why saving failed (full quota, no IndexedDB), shown next to the list. */
  error: string | null;
  /**
   * What start-up did with the latest saved comparison: reopened it, left it in the list
   * because the link opens another configuration, or could not reopen it (the reason, also
   * shown as the page's notice). Null while starting and when nothing was saved.
   */
  restore: { outcome: 'restored' | 'other-link' } | { outcome: 'refused'; message: string } | null;
}

export const QUOTA_MESSAGE = 'Browser storage is full: new metrics are not being saved. Delete older comparisons from the saved list to make room.';

const summary = (r: ComparisonRecord): SavedComparison => ({
  id: r.id,
  updatedAt: r.updatedAt,
  model: r.config.model,
  runNames: r.config.runs.map((x) => x.name),
  step: r.step,
  title: r.title ?? null,
});

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function completion(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new DOMException('The transaction was aborted', 'AbortError'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

const isQuota = (e: unknown) => e instanceof DOMException && (e.name === 'QuotaExceededError' || e.name === 'NS_ERROR_DOM_QUOTA_REACHED');

function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  const r = factory.open(name, DB_VERSION);
  r.onupgradeneeded = () => {
    const db = r.result;
    if (!db.objectStoreNames.contains(COMPARISONS)) db.createObjectStore(COMPARISONS, { keyPath: 'id' });
    if (!db.objectStoreNames.contains(CHUNKS)) db.createObjectStore(CHUNKS, { keyPath: ['id', 'seq'] });
  };
  return request(r);
}

const chunkRange = (id: string) => IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);

export interface PersistenceOptions {
  /** Milliseconds between a change and its flush. */
  flushMs?: number;
  dbName?: string;
  indexedDB?: IDBFactory;
  /** Whether to reopen the most recent saved comparison, given its config (e.g. the link carries no other). */
  restoreLatest?: (config: ComparisonConfig) => boolean;
}

export class Persistence {
  readonly state: StoreApi<PersistenceState>;
  private db: IDBDatabase | null = null;
  private cursors: Record<string, SeriesCursor> = {};
  /** The series object of each run when its cursor was set: a new object means the metrics were cleared. */
  private tracked: Record<string, RunSeries> = {};
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly flushMs: number;

  private constructor(
    private readonly store: AppStore,
    options: PersistenceOptions,
  ) {
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    this.state = createStore<PersistenceState>()(() => ({ available: false, saved: [], currentId: null, flushedStep: 0, flushes: 0, error: null, restore: null }));
  }

  /** Opens the database, lists saved comparisons, optionally reopens the latest, and starts saving. */
  static async start(store: AppStore, options: PersistenceOptions = {}): Promise<Persistence> {
    const p = new Persistence(store, options);
    const factory = options.indexedDB ?? (typeof indexedDB === 'undefined' ? undefined : indexedDB);
    if (!factory) {
      p.state.setState({ error: 'This browser offers no IndexedDB: metrics are not saved across reloads.' });
      return p;
    }
    try {
      p.db = await openDatabase(factory, options.dbName ?? DB_NAME);
    } catch (e) {
      p.state.setState({ error: `Metrics are not saved across reloads: IndexedDB could not be opened (${e instanceof Error ? e.message : String(e)}).` });
      return p;
    }
    p.state.setState({ available: true });
    await p.refreshList();
    const latest = p.state.getState().saved[0];
    if (options.restoreLatest && latest) {
      const loaded = await p.load(latest.id);
      const refusal = !loaded.ok ? loaded.message : options.restoreLatest(loaded.bundle.config) ? await p.open(latest.id) : undefined;
      if (refusal === undefined) p.state.setState({ restore: { outcome: 'other-link' } });
      else if (refusal === null) p.state.setState({ restore: { outcome: 'restored' } });
      else {
        const message = `The last comparison could not be reopened: ${refusal} It stays in the saved list.`;
        p.state.setState({ restore: { outcome: 'refused', message } });
        store.setState({ notice: message });
      }
    }
    p.unsubscribe = store.subscribe((s, prev) => {
      if (s.metricsRevision !== prev.metricsRevision || s.events !== prev.events || s.runs !== prev.runs || s.config !== prev.config) p.schedule();
    });
    return p;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer !== null || !this.db) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.flushMs);
  }

  /** Writes what changed since the last flush (waits for a flush in progress first). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.write().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const db = this.db;
    if (!db) return;
    const s = this.store.getState();
    const runIds = Object.keys(s.series);
    // Metrics cleared (reset, new model, another comparison opened elsewhere): a new record.
    if (Object.keys(this.tracked).some((id) => s.series[id] !== this.tracked[id])) this.forgetCurrent();
    const { rows, next } = rowsSince(s.series, this.cursors);
    let id = this.state.getState().currentId;
    if (id === null) {
      if (!rows) return; // nothing trained yet: nothing worth a record
      id = `c${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`;
      this.seq = 0;
    }
    const record = this.recordOf(id, s, this.state.getState().saved.find((x) => x.id === id)?.title ?? null);
    let tx: IDBTransaction | undefined;
    let done: Promise<void> | undefined;
    try {
      tx = db.transaction([COMPARISONS, CHUNKS], 'readwrite');
      done = completion(tx);
      tx.objectStore(COMPARISONS).put(record);
      if (rows) tx.objectStore(CHUNKS).put({ id, seq: this.seq, runs: rows } satisfies ChunkRecord);
      await done;
    } catch (e) {
      // A put that threw leaves the transaction open: abort it, so nothing half-written stays.
      done?.catch(() => undefined);
      try {
        tx?.abort();
      } catch {
        // already finished
      }
      const first = this.state.getState().error !== QUOTA_MESSAGE;
      this.state.setState({ error: isQuota(e) ? QUOTA_MESSAGE : `Saving metrics failed: ${e instanceof Error ? e.message : String(e)}` });
      if (isQuota(e) && first) this.store.setState({ notice: QUOTA_MESSAGE });
      return;
    }
    if (rows) this.seq++;
    this.cursors = next;
    this.tracked = Object.fromEntries(runIds.map((r) => [r, s.series[r]]));
    const flushedStep = Math.max(0, ...Object.values(s.series).map((x) => x.train.step[x.train.step.length - 1] ?? 0));
    const saved = [summary(record), ...this.state.getState().saved.filter((x) => x.id !== id)];
    this.state.setState((st) => ({ currentId: id, flushedStep, flushes: st.flushes + 1, error: null, saved }));
  }

  private recordOf(id: string, s: AppState, title: string | null): ComparisonRecord {
    const views: Record<string, RunView> = {};
    const histograms: Record<string, HessianHistogram | null> = {};
    for (const r of s.config.runs) {
      views[r.id] = savedView(s.runs[r.id]);
      histograms[r.id] = s.series[r.id]?.histogram ?? null;
    }
    const record: ComparisonRecord = { id, updatedAt: Date.now(), config: s.config, step: s.step, events: s.events, views, histograms };
    if (title !== null) record.title = title;
    return record;
  }

  private forgetCurrent(): void {
    this.cursors = {};
    this.tracked = {};
    this.seq = 0;
    this.state.setState({ currentId: null });
  }

  private async refreshList(): Promise<void> {
    if (!this.db) return;
    const tx = this.db.transaction(COMPARISONS, 'readonly');
    const all = (await request(tx.objectStore(COMPARISONS).getAll())) as ComparisonRecord[];
    this.state.setState({ saved: all.map(summary).sort((a, b) => b.updatedAt - a.updatedAt) });
  }

  /** A saved comparison as a bundle (validated like an import), or a message. */
  async load(id: string): Promise<{ ok: true; bundle: Bundle } | { ok: false; message: string }> {
    if (!this.db) return { ok: false, message: 'Saved comparisons are not available in this browser.' };
    const tx = this.db.transaction([COMPARISONS, CHUNKS], 'readonly');
    const record = (await request(tx.objectStore(COMPARISONS).get(id))) as ComparisonRecord | undefined;
    if (!record) return { ok: false, message: 'That saved comparison no longer exists.' };
    const chunks = ((await request(tx.objectStore(CHUNKS).getAll(chunkRange(id)))) as ChunkRecord[]).sort((a, b) => a.seq - b.seq);
    const ids = record.config.runs.map((r) => r.id);
    // A record saved before seeds existed has no `seeds`: one seed.
    const seeds = record.config.seeds ?? 1;
    const series = seriesFromChunks(ids.flatMap((r) => Array.from({ length: seeds }, (_, k) => seriesKey(r, k))), chunks.map((c) => c.runs));
    const runs: Bundle['runs'] = {};
    for (const r of ids) {
      runs[r] = { view: record.views[r], series: { ...series[r], histogram: record.histograms[r] ?? null } };
      if (seeds > 1) runs[r].seeds = Array.from({ length: seeds - 1 }, (_, k) => series[seriesKey(r, k + 1)]);
    }
    const bundle: Bundle = { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, exportedAt: new Date(record.updatedAt).toISOString(), config: record.config, step: record.step, runs, events: record.events };
    const parsed = parseBundle(JSON.stringify(bundle));
    if (!parsed.ok) return { ok: false, message: `The saved comparison is damaged and was not opened. ${parsed.message}` };
    return { ok: true, bundle: parsed.bundle };
  }

  /** Opens a saved comparison in the store and continues saving into it. Returns a refusal or null. */
  async open(id: string): Promise<string | null> {
    const loaded = await this.load(id);
    if (!loaded.ok) return loaded.message;
    if (this.flushing) await this.flushing;
    const chunkCount = await this.chunkCount(id);
    const refusal = applyBundle(this.store, loaded.bundle);
    if (refusal) return refusal;
    const s = this.store.getState();
    this.cursors = rowsSince(s.series, {}).next;
    this.tracked = { ...s.series };
    this.seq = chunkCount;
    const flushedStep = Math.max(0, ...Object.values(s.series).map((x) => x.train.step[x.train.step.length - 1] ?? 0));
    this.state.setState({ currentId: id, flushedStep });
    return null;
  }

  private async chunkCount(id: string): Promise<number> {
    if (!this.db) return 0;
    const tx = this.db.transaction(CHUNKS, 'readonly');
    const keys = (await request(tx.objectStore(CHUNKS).getAllKeys(chunkRange(id)))) as [string, number][];
    return keys.reduce((m, k) => Math.max(m, k[1] + 1), 0);
  }

  /** Renames a saved comparison (checked by validateSavedTitle). Returns a refusal or null. */
  async rename(id: string, text: string): Promise<string | null> {
    const checked = validateSavedTitle(text);
    if (!checked.ok) return checked.message;
    const db = this.db;
    if (!db) return 'Saved comparisons are not available in this browser.';
    while (this.flushing) await this.flushing;
    const before = this.state.getState().saved.find((x) => x.id === id);
    if (!before) return 'That saved comparison no longer exists.';
    // The list first: a flush from here on writes the new title with the record.
    const setTitle = (title: string | null) => this.state.setState((st) => ({ saved: st.saved.map((x) => (x.id === id ? { ...x, title } : x)) }));
    setTitle(checked.title);
    let found = false;
    let thrown: unknown = null; // what a put threw (a full quota), which aborts the transaction
    try {
      const tx = db.transaction(COMPARISONS, 'readwrite');
      const done = completion(tx);
      const store = tx.objectStore(COMPARISONS);
      const get = store.get(id);
      // put from the get's success callback: the transaction is still active there.
      get.onsuccess = () => {
        const record = get.result as ComparisonRecord | undefined;
        if (!record) return;
        found = true;
        try {
          store.put({ ...record, title: checked.title } satisfies ComparisonRecord);
        } catch (e) {
          thrown = e;
          tx.abort();
        }
      };
      await done;
    } catch (e) {
      setTitle(before.title);
      const why = thrown ?? e;
      return isQuota(why) ? QUOTA_MESSAGE : `Renaming failed: ${why instanceof Error ? why.message : String(why)}`;
    }
    if (!found) {
      this.state.setState((st) => ({ saved: st.saved.filter((x) => x.id !== id) }));
      return 'That saved comparison no longer exists.';
    }
    return null;
  }

  /** Deletes a saved comparison (the page keeps showing it if it is the current one; it is saved anew on the next change). */
  async delete(id: string): Promise<void> {
    if (!this.db) return;
    if (this.flushing) await this.flushing;
    const tx = this.db.transaction([COMPARISONS, CHUNKS], 'readwrite');
    const done = completion(tx);
    tx.objectStore(COMPARISONS).delete(id);
    tx.objectStore(CHUNKS).delete(chunkRange(id));
    await done;
    if (this.state.getState().currentId === id) this.forgetCurrent();
    this.state.setState((st) => ({ saved: st.saved.filter((x) => x.id !== id), error: st.error === QUOTA_MESSAGE ? null : st.error }));
  }
}
