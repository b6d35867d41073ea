// --dump-batches FILE: for every training step, the examples it consumed, so a run can be
// replayed exactly in another framework. JSON lines: a first line describing the stream, then
// one line per step:
//   {"kind":"token-windows","seed":1,"batchSize":16,"context":64,"tokens":1090000,"split":"train"}
//   {"step":0,"offsets":[…B window starts…]}   inputs tokens[o..o+T−1], targets tokens[o+1..o+T]
// or for images
//   {"kind":"image-indices","seed":1,"batchSize":64,"count":8000,"split":"train"}
//   {"step":0,"indices":[…B example indices into the training split…]}
// The values come from the same pure functions of (seed, step) the trainer's batcher calls.
import { closeSync, openSync, writeSync } from 'node:fs';
import { batchIndices, batchOffsets } from '../data/sampler';
import type { TrainingData } from '../train/trainingData';

export class BatchDump {
  private readonly fd: number;
  private readonly out: Uint32Array;

  constructor(
    path: string,
    private readonly data: TrainingData,
    private readonly seed: number,
    private readonly batchSize: number,
    private readonly context: number,
  ) {
    this.fd = openSync(path, 'w');
    this.out = new Uint32Array(batchSize);
    let head: Record<string, unknown>;
    if (data.kind === 'text') head = { kind: 'token-windows', seed, batchSize, context, tokens: data.dataset.train.length, split: 'train' };
    else if (data.kind === 'image') head = { kind: 'image-indices', seed, batchSize, count: data.dataset.train.count, split: 'train' };
    else head = { kind: 'none', seed, batchSize };
    writeSync(this.fd, JSON.stringify(head) + '\n');
  }

  /** The line of `step`. */
  write(step: number): void {
    const d = this.data;
    let line: string;
    if (d.kind === 'text') line = JSON.stringify({ step, offsets: Array.from(batchOffsets(this.seed, step, this.batchSize, d.dataset.train.length, this.context, this.out)) });
    else if (d.kind === 'image') line = JSON.stringify({ step, indices: Array.from(batchIndices(this.seed, step, this.batchSize, d.dataset.train.count, this.out)) });
    else line = JSON.stringify({ step });
    writeSync(this.fd, line + '\n');
  }

  close(): void {
    closeSync(this.fd);
  }
}
