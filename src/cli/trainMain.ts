// `npm run train`: trains a comparison headless through Dawn and writes, into --out,
//   config.json                 the comparison config (usable again with --config)
//   metrics.csv                 one row per run per step, validation at evaluation steps (metricsCsv.ts)
//   ckpt-<step>.safetensors     checkpoints at --checkpoint-steps (one file per run: ckpt-<step>-<id>…
//                               when the config has several runs); docs/checkpoints.md
// Every input is checked before the GPU is opened (trainArgs.ts, trainSetup.ts).
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError } from '../data/errors';
import { chooseKernelVariants, describeKernelChoiceIssues, describeKernelChoices, describeKernelTuning, resumeKernelVariants } from '../optim/kernelTuning';
import { GpuContext } from '../gpu/context';
import { adapterSummary } from '../gpu/device';
import { createNodeGpu, type NodeGpu } from '../gpu/node';
import { fsShaderSource } from '../gpu/shaderSourceFs';
import { captureComparison, CheckpointError, encodeRunCheckpoint, resumeComparison, type ComparisonState } from '../train/checkpoint';
import { Comparison, sharpnessBatchFor, type EvalMetrics } from '../train/comparison';
import { MODEL_PRESETS, seedOf, type ComparisonConfig, type ModelConfig } from '../train/config';
import { buildResults, type SeedRunRecord } from '../train/results';
import { SharpnessSchedule } from '../train/sharpnessSchedule';
import type { StepMetrics } from '../train/run';
import { SafetensorsError } from '../train/safetensors';
import type { TrainingData } from '../train/trainingData';
import { BatchDump } from './batchDump';
import { MetricsCsv } from './metricsCsv';
import { ProgressLine, type ProgressOutput } from './progress';
import { writePytorchExport } from './pytorchExport';
import { writeResults } from './resultsFolder';
import { CliError, parseTrainArgs, USAGE, type TrainArgs } from './trainArgs';
import { buildConfig, checkpointFileName, checkResumeData, loadData, loadResumeState, modelOverride, resumeWithTrainSubset } from './trainSetup';

export interface TrainIo {
  stdout: ProgressOutput;
  stderr: { write(text: string): void };
  /** Opens the GPU (tests replace it to prove that bad input never gets this far). */
  createGpu(label: string): Promise<NodeGpu>;
}

const defaultIo = (): TrainIo => ({
  stdout: { write: (t) => void process.stdout.write(t), isTTY: process.stdout.isTTY === true },
  stderr: { write: (t) => void process.stderr.write(t) },
  createGpu: createNodeGpu,
});

/** Everything decided before the GPU is opened. */
export interface TrainPlan {
  config: ComparisonConfig;
  data: TrainingData;
  /** An architecture other than the preset's (mlpHidden, --loss, --activation); a resumed run takes its checkpoint's. */
  model?: ModelConfig;
  resume?: ComparisonState;
  startStep: number;
  stopStep: number;
  checkpointSteps: number[];
  out: string;
}

const INPUT_ERRORS = [CliError, DataError, CheckpointError, SafetensorsError];

/** Parses, validates and loads (CPU only). Throws a CliError/DataError/CheckpointError naming the problem. */
export function planTraining(args: TrainArgs): TrainPlan {
  const resume = args.resume !== undefined ? resumeWithTrainSubset(loadResumeState(args.resume), args.trainSubset) : undefined;
  const config = resume ? resume.config : buildConfig(args);
  const data = loadData(config, { text: args.text, cifarDir: args.cifarDir });
  if (resume) checkResumeData(resume, data);
  const model = resume ? undefined : modelOverride(args, config, data);
  const startStep = resume?.step ?? 0;
  if (args.stopAt !== undefined && args.stopAt > config.totalSteps) throw new CliError(`--stop-at ${args.stopAt} is past the run's last step ${config.totalSteps} (--steps)`);
  const stopStep = resume ? (args.steps ?? config.totalSteps) : (args.stopAt ?? config.totalSteps);
  const exportOnly = resume !== undefined && args.exportPytorch !== undefined && stopStep === startStep;
  if (stopStep <= startStep && !exportOnly) throw new CliError(`Nothing to do: the checkpoint is at step ${startStep} and the run stops at step ${stopStep} (give --steps N with N > ${startStep})`);
  const checkpointSteps = args.checkpointSteps ?? [stopStep];
  const late = checkpointSteps.find((s) => s > stopStep);
  if (late !== undefined) throw new CliError(`--checkpoint-steps: step ${late} is past the last step ${stopStep}`);
  const optimizerName = config.runs.map((r) => r.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')).join('-vs-');
  const out = args.out ?? (args.resume !== undefined ? dirname(args.resume) : join('runs', `${config.model}-${optimizerName}-s${config.seed}`));
  return { config, data, model, resume, startStep, stopStep, checkpointSteps, out };
}

/** Runs the CLI; returns the exit code (0 done, 1 failed or every run diverged, 2 bad input). */
export async function main(argv: readonly string[], io: Partial<TrainIo> = {}): Promise<number> {
  const { stdout, stderr, createGpu } = { ...defaultIo(), ...io };
  let args: TrainArgs;
  let plan: TrainPlan;
  try {
    args = parseTrainArgs(argv);
    if (args.help) {
      stdout.write(`${USAGE}\n`);
      return 0;
    }
    plan = planTraining(args);
    try {
      mkdirSync(plan.out, { recursive: true });
    } catch (e) {
      throw new CliError(`Output folder "${plan.out}" cannot be created: ${(e as Error).message}`);
    }
  } catch (e) {
    if (INPUT_ERRORS.some((E) => e instanceof E)) {
      stderr.write(`train: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
  if (plan.resume && args.exportPytorch !== undefined && plan.stopStep === plan.startStep) {
    // Export only: the checkpoint is the state, no GPU needed (docs/pytorch.md).
    const exported = writePytorchExport(args.exportPytorch, plan.resume, { text: args.text, cifarDir: args.cifarDir });
    stdout.write(`exported for PyTorch: ${exported.dir} (${exported.files.length} files; see its README.md)\n`);
    return 0;
  }
  try {
    // --seeds, else the config's `seeds` (a resumed checkpoint is one seed).
    const seeds = args.seeds ?? (plan.resume ? 1 : plan.config.seeds);
    if (args.seeds !== undefined || seeds > 1) return await trainSeeds(plan, args, seeds, stdout, stderr, createGpu);
    return await train(plan, args, stdout, stderr, createGpu);
  } catch (e) {
    stderr.write(`\ntrain: ${(e as Error).message}\n`);
    return 1;
  }
}

/**
 * --seeds S (or the config's `seeds`): the comparison once per seed (seed, seed + 1, …; each its own lockstep comparison,
 * so seed s of every run shares initial parameters and batches), into <out>/seed-<n>/ as a
 * single-seed run writes them, on one GPU whose kernels are chosen once; then the results table
 * over seeds (src/train/results.ts) into results.csv, results.json and the output.
 */
async function trainSeeds(plan: TrainPlan, args: TrainArgs, count: number, stdout: ProgressOutput, stderr: TrainIo['stderr'], createGpu: TrainIo['createGpu']): Promise<number> {
  const seeds = Array.from({ length: count }, (_, i) => seedOf(plan.config, i));
  const records: SeedRunRecord[][] = [];
  const node = await createGpu('Train.device');
  const started = performance.now();
  try {
    const ctx = new GpuContext(node.device, fsShaderSource());
    stdout.write(`adapter: ${adapterSummary(node.report)}\n`);
    await chooseKernels(ctx, undefined, stdout, stderr);
    for (const seed of seeds) {
      const out = join(plan.out, `seed-${seed}`);
      mkdirSync(out, { recursive: true });
      const seedRecords: SeedRunRecord[] = [];
      const code = await train({ ...plan, config: { ...plan.config, seed, seeds: 1 }, out }, args, stdout, stderr, createGpu, { node, ctx, records: seedRecords });
      if (code !== 0 && seedRecords.length === 0) return code;
      records.push(seedRecords);
    }
  } finally {
    node.close();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  if (plan.stopStep < plan.config.totalSteps) {
    // A part of a longer run: the table waits for the end (the seeds' folders hold everything it needs).
    stdout.write(`${seeds.length} seed${seeds.length === 1 ? '' : 's'} stopped at step ${plan.stopStep} of ${plan.config.totalSteps} in ${wallSeconds.toFixed(0)} s; continue each with --resume ${join(plan.out, `seed-${seeds[0]}`, '<checkpoint>')} --steps N, then: npx tsx scripts/scenario-results.ts ${plan.out}\n`);
    return 0;
  }
  const table = buildResults(seeds, records);
  stdout.write(writeResults(plan.out, table, { wallSeconds, config: { ...plan.config, seeds: count }, scenario: args.scenario ?? null }));
  stdout.write(`${seeds.length} seeds in ${wallSeconds.toFixed(0)} s; wrote ${join(plan.out, 'results.csv')}\n`);
  return 0;
}

/** " (hidden 32, mse, gelu)" when the MLP is not the preset's, else "". */
function comparisonModelNote(plan: TrainPlan): string {
  const m = plan.model ?? plan.resume?.model;
  const preset = MODEL_PRESETS[plan.config.model];
  if (m?.kind !== 'mlp' || preset.kind !== 'mlp') return '';
  const notes = [...(m.hidden.join() !== preset.hidden.join() ? [`hidden ${m.hidden.join(',')}`] : []), ...(m.loss === 'mse' ? ['mse'] : []), ...(m.activation === 'gelu' ? ['gelu'] : [])];
  return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

const MAY_DIFFER = 'so the continuation may differ in the last bits from a run that never stopped';

/**
 * Each kernel family's variant: tuned on this adapter for a fresh run; for a resumed one the
 * checkpoint's (variants sum in different orders: only the same kernels continue bit for bit,
 * docs/checkpoints.md), tuning only what cannot be applied here, with a warning.
 */
async function chooseKernels(ctx: GpuContext, resume: ComparisonState | undefined, stdout: ProgressOutput, stderr: TrainIo['stderr']): Promise<void> {
  if (resume?.kernels === undefined) {
    const tuning = await chooseKernelVariants(ctx);
    stdout.write(`kernels: ${describeKernelTuning(tuning)} (ms per run)\n`);
    if (resume) stderr.write(`train: warning: the checkpoint does not record its kernel choices; they were tuned again, ${MAY_DIFFER}\n`);
    return;
  }
  const { issues, tuned, tuning } = await resumeKernelVariants(ctx, resume.kernels);
  const families = tuned.join(', ');
  if (tuning) stdout.write(`kernels: as the checkpoint except ${families}, tuned here (${describeKernelChoices(ctx)}); tuning: ${describeKernelTuning(tuning)} (ms per run)\n`);
  else stdout.write(`kernels: as the checkpoint (${describeKernelChoices(ctx)})\n`);
  if (issues.length > 0) stderr.write(`train: warning: the checkpoint's kernels cannot all run here (${describeKernelChoiceIssues(issues)}); ${tuning ? `${families} tuned again, ` : ''}${MAY_DIFFER}\n`);
}

/** A GPU opened (and its kernels chosen) by the caller, and where each run's record of this seed goes. */
interface SeedContext {
  node: NodeGpu;
  ctx: GpuContext;
  records: SeedRunRecord[];
}

async function train(plan: TrainPlan, args: TrainArgs, stdout: ProgressOutput, stderr: TrainIo['stderr'], createGpu: TrainIo['createGpu'], shared?: SeedContext): Promise<number> {
  const { config, data, startStep, stopStep, out } = plan;
  writeFileSync(join(out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  const classifier = data.kind === 'image';
  const csv = new MetricsCsv(join(out, 'metrics.csv'), classifier, plan.resume ? startStep : undefined);
  const model = MODEL_PRESETS[config.model];
  const dump = args.dumpBatches ? new BatchDump(args.dumpBatches, data, config.seed, config.batchSize, model.kind === 'gpt' ? model.context : 1) : undefined;
  const evals = new Map<string, EvalMetrics>();
  const latest = new Map<string, StepMetrics>();
  const progress = new ProgressLine(stdout, startStep, stopStep);
  const records = new Map<string, SeedRunRecord>(config.runs.map((r) => [r.id, { runId: r.id, curve: [] }]));
  let node: NodeGpu | undefined;
  let c: Comparison | undefined;
  try {
    let ctx: GpuContext;
    if (shared) ctx = shared.ctx;
    else {
      node = await createGpu('Train.device');
      ctx = new GpuContext(node.device, fsShaderSource());
      stdout.write(`adapter: ${adapterSummary(node.report)}\n`);
      await chooseKernels(ctx, plan.resume, stdout, stderr);
    }
    const widths = comparisonModelNote(plan);
    stdout.write(`${config.model}${widths} on ${config.dataset}, ${config.runs.map((r) => `${r.id} ${r.name}`).join(', ')}; steps ${startStep} → ${stopStep}, batch ${config.batchSize}, seed ${config.seed}\n`);
    const hooks = {
      onStep: (metrics: StepMetrics[], wallMs: number) => {
        for (const m of metrics) {
          csv.writeStep(m, wallMs / 1000, evals.get(`${m.runId}/${m.step}`));
          latest.set(m.runId, m);
          if (m.finite) records.get(m.runId)?.curve.push({ step: m.step + 1, gradEvals: m.gradEvals, loss: m.loss });
        }
        const step = metrics[0]?.step;
        if (step !== undefined) progress.update(step + 1, [...latest.values()].map((m) => `${m.runId} ${m.loss.toPrecision(5)}`).join('  '));
      },
      onDiverged: (runId: string, step: number) => {
        const r = records.get(runId);
        if (r) r.divergedAt = step;
        progress.finish();
        stderr.write(`train: run ${runId} produced NaN/Inf at step ${step}; it is stopped\n`);
      },
    };
    const builtAt = performance.now();
    c = plan.resume ? resumeComparison(ctx, plan.resume, data, hooks) : new Comparison(ctx, config, data, hooks, { model: plan.model });
    const comparison = c;
    const saveCheckpoint = async (step: number) => {
      const state = await captureComparison(ctx.device, comparison);
      for (const r of state.runs) writeFileSync(join(out, checkpointFileName(step, r.id, state.runs.length)), encodeRunCheckpoint(state, r.id));
    };
    const evaluate = async (batches: number) => {
      for (const e of await comparison.evaluate(batches)) evals.set(`${e.runId}/${e.step}`, e);
    };
    const canEvaluate = data.kind !== 'toy';
    // Sharpness (Hutchinson trace, top eigenvalue) every S steps, or 'auto' within a time budget
    // (sharpnessSchedule.ts), and at the end, outside the timed steps, into sharpness.csv
    // (run, step, trace, trace_stderr, top_eig, precond_top_eig (AdamW: of P⁻¹H), eos_threshold
    // (edgeOfStability.ts: of H for SGD, of P⁻¹H for AdamW)).
    // On the first validation batch, or, training on a subset (trainSubset), on the training
    // batch: the training loss itself, whose top eigenvalue meets 2/η at the edge of stability.
    const sharpnessBatch = sharpnessBatchFor(config);
    const sharpnessOn = config.sharpnessEvery === 'auto' || config.sharpnessEvery > 0;
    const sharpnessPath = join(out, 'sharpness.csv');
    const appendSharpness = plan.resume !== undefined && existsSync(sharpnessPath); // a resume into a new folder starts the file
    const sharpnessCsv = sharpnessOn ? openSync(sharpnessPath, appendSharpness ? 'a' : 'w') : undefined;
    const schedule = new SharpnessSchedule(config.sharpnessEvery, startStep);
    let sharpnessMs = 0;
    if (sharpnessCsv !== undefined && !appendSharpness) writeSync(sharpnessCsv, 'run,step,trace,trace_stderr,top_eig,precond_top_eig,eos_threshold\n');
    const measureSharpness = async () => {
      if (sharpnessCsv === undefined) return;
      for (const m of await comparison.measureSharpness(config.sharpnessProbes, args.lanczosSteps, true, sharpnessBatch)) {
        writeSync(sharpnessCsv, `${m.runId},${m.step},${m.trace},${m.stderr},${m.topEig ?? ''},${m.precondTopEig ?? ''},${m.threshold?.value ?? ''}\n`);
        const r = records.get(m.runId);
        if (r) Object.assign(r, { trace: m.trace, topEig: m.topEig });
      }
    };
    for (let s = startStep; s < stopStep; s++) {
      if (plan.checkpointSteps.includes(s) && !(plan.resume && s === startStep)) await saveCheckpoint(s);
      if (canEvaluate && config.evalEvery > 0 && s % config.evalEvery === 0) await evaluate(args.evalBatches);
      // A fresh run is measured at step 0 too (the initial curvature); a resumed one was already.
      if (sharpnessOn && schedule.due(s) && (s > startStep || !plan.resume)) {
        const t0 = performance.now();
        await measureSharpness();
        const measureMs = performance.now() - t0;
        sharpnessMs += measureMs;
        if (s > startStep) schedule.measured(s, measureMs, (t0 - builtAt - sharpnessMs + measureMs) / (s - startStep));
      }
      dump?.write(s);
      await comparison.step();
      if (comparison.runs.every((r) => !comparison.isActive(r.id))) break;
    }
    await comparison.drain();
    progress.finish();
    const live = comparison.runs.filter((r) => comparison.isActive(r.id));
    if (live.length === 0) {
      stderr.write('train: every run diverged\n');
      shared?.records.push(...records.values()); // the table counts a diverged seed, it does not drop it
      return 1;
    }
    const wall = (performance.now() - builtAt) / 1000;
    if (canEvaluate) {
      const final = await comparison.evaluate(args.finalEvalBatches ?? Number.MAX_SAFE_INTEGER);
      for (const e of final) {
        csv.writeEval(e, wall);
        const r = records.get(e.runId);
        if (r) Object.assign(r, { valLoss: e.loss, valAcc: classifier ? e.accuracy : undefined });
      }
      for (const e of final) {
        const m = latest.get(e.runId);
        stdout.write(`run ${e.runId}: train loss ${m ? m.loss.toFixed(4) : '?'}, validation loss ${e.loss.toFixed(4)}${classifier ? `, test accuracy ${(100 * e.accuracy).toFixed(2)}%` : ''}\n`);
      }
    } else {
      for (const m of latest.values()) stdout.write(`run ${m.runId}: loss ${m.loss.toExponential(4)}\n`);
    }
    await measureSharpness();
    if (sharpnessCsv !== undefined) closeSync(sharpnessCsv);
    if (plan.checkpointSteps.includes(stopStep)) await saveCheckpoint(stopStep);
    if (args.exportPytorch !== undefined) {
      const exported = writePytorchExport(args.exportPytorch, await captureComparison(ctx.device, comparison), { text: args.text, cifarDir: args.cifarDir });
      stdout.write(`exported for PyTorch: ${exported.dir} (${exported.files.length} files; see its README.md)\n`);
    }
    stdout.write(`wrote ${out}\n`);
    shared?.records.push(...records.values());
    return 0;
  } finally {
    csv.close();
    dump?.close();
    c?.destroy();
    node?.close();
  }
}
