// `npm run toy`: the IRE paper's toy figure on this machine's WebGPU adapter (Dawn in Node).
// Runs GD η = 1, GD η = 2 and SGD-IRE κ ∈ {90, 900, 9000} from (1, 0.01) on
// L(u, v) = (1 + u²) v² / 2 and prints, per run, the steps to |v| < 1e-6 and the final u.
// Options: --max-steps N (default 20000), --json FILE (writes the results with trajectories).
import { writeFileSync } from 'node:fs';
import { GpuContext } from '../gpu/context';
import { createNodeGpu } from '../gpu/node';
import { fsShaderSource } from '../gpu/shaderSourceFs';
import { DEFAULT_TOY_OPTIONS, runToyExperiment, type ToyRunResult } from '../optim/toyExperiment';

function parseArgs(argv: string[]): { maxSteps: number; json?: string } {
  let maxSteps = DEFAULT_TOY_OPTIONS.maxSteps;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--max-steps') {
      maxSteps = Number(argv[++i]);
      if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new Error(`--max-steps needs a positive integer, got "${argv[i]}"`);
    } else if (a === '--json') {
      json = argv[++i];
      if (!json) throw new Error('--json needs a file name');
    } else {
      throw new Error(`unknown option "${a}" (known: --max-steps N, --json FILE)`);
    }
  }
  return { maxSteps, json };
}

function row(r: ToyRunResult): string[] {
  const outcome =
    r.stepsToConverge !== null ? String(r.stepsToConverge) : r.divergedAt !== null ? `diverged (overflow at step ${r.divergedAt})` : `not within ${r.steps}`;
  return [r.name, String(r.lr), String(r.kappa), outcome, r.finalU.toPrecision(6), r.finalV.toExponential(3)];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const node = await createNodeGpu('Toy.device');
  try {
    const ctx = new GpuContext(node.device, fsShaderSource());
    console.log(`adapter: ${node.report.description || node.report.device || node.report.vendor || 'unknown'}`);
    console.log(`L(u, v) = (1 + u²) v² / 2 from (1, 0.01); IRE: γ = 0.5, K = 1, exact diagonal; cap ${args.maxSteps} steps\n`);
    const results = await runToyExperiment(ctx, { maxSteps: args.maxSteps });
    const header = ['run', 'η', 'κ', 'steps to |v| < 1e-6', 'final u', 'final v'];
    const rows = [header, ...results.map(row)];
    const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '));
    if (args.json) {
      const plain = results.map((r) => ({ ...r, trajectory: Array.from(r.trajectory) }));
      writeFileSync(args.json, JSON.stringify(plain));
      console.log(`\nwrote ${args.json}`);
    }
  } finally {
    node.close();
  }
}

main().catch((e: unknown) => {
  console.error(`toy: ${(e as Error).message}`);
  process.exitCode = 1;
});
