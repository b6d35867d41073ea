// The bench registry: every measurement the page can take is one entry. Suites register their
// entries here (bench/suites/*.ts); the page runs them by id. An entry without a `run` is a
// slot: it is listed, and its row says what it waits for (`pending`), so the table shows
// honestly what is not measured yet. To plug in a measurement, give the slot a `run`.
import type { BenchRow, EntryInfo, Impl, RunOptions } from './rows';

export interface BenchEntry {
  suite: string;
  name: string;
  impl: Impl;
  optimizer: string;
  /** Left out by --quick (a TF.js-WebGPU gpt-tiny step takes ≈10 s on SwiftShader). */
  slow?: boolean;
  /** Why there is nothing to run yet (for slots). */
  pending?: string;
  /** Measures and returns the row; suite/name/impl/optimizer are filled in by the registry. */
  run?: (opts: RunOptions) => Promise<Partial<BenchRow>>;
}

export function entryId(e: Pick<BenchEntry, 'suite' | 'name' | 'impl' | 'optimizer'>): string {
  return `${e.suite}/${e.name}/${e.impl}/${e.optimizer}`;
}

export class BenchRegistry {
  private readonly byId = new Map<string, BenchEntry>();

  add(...entries: BenchEntry[]): void {
    for (const e of entries) {
      const id = entryId(e);
      if (this.byId.has(id)) throw new Error(`bench entry ${id} is registered twice`);
      this.byId.set(id, e);
    }
  }

  /** Replaces a slot (or an entry) by id; the lead plugs the engine's trainer in this way. */
  replace(entry: BenchEntry): void {
    this.byId.set(entryId(entry), entry);
  }

  list(): EntryInfo[] {
    return [...this.byId.entries()].map(([id, e]) => ({
      id,
      suite: e.suite,
      name: e.name,
      impl: e.impl,
      optimizer: e.optimizer,
      slow: !!e.slow,
      pending: e.run ? undefined : (e.pending ?? 'no measurement registered'),
    }));
  }

  /** Runs one entry; never throws: a failure becomes the row's `error`. */
  async run(id: string, opts: RunOptions): Promise<BenchRow> {
    const e = this.byId.get(id);
    if (!e) throw new Error(`unknown bench entry ${id}`);
    const base = { suite: e.suite, name: e.name, impl: e.impl, optimizer: e.optimizer };
    if (!e.run) return { ...base, pending: e.pending ?? 'no measurement registered' };
    try {
      const figures = await e.run(opts);
      return { ...figures, ...base };
    } catch (err) {
      return { ...base, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }
}
