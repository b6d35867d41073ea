// --seeds and --scenario of `npm run train`: ranges and refusals naming the flag, and a
// scenario's config (data subset, model widths and seeds included) under the flags given
// (src/train/scenarios.ts): the same comparison the page opens from its Scenarios menu.
import { describe, expect, it } from 'vitest';
import { CliError, MAX_CLI_SEEDS, parseTrainArgs } from '../../src/cli/trainArgs';
import { planTraining } from '../../src/cli/trainMain';
import { buildConfig } from '../../src/cli/trainSetup';
import { validateConfig } from '../../src/train/configSchema';
import { SCENARIOS, scenarioByName, scenarioConfig } from '../../src/train/scenarios';

describe('npm run train --seeds / --scenario', () => {
  it('takes 1 to MAX_CLI_SEEDS seeds, not with --resume', () => {
    expect(parseTrainArgs(['--seeds', '3']).seeds).toBe(3);
    expect(() => parseTrainArgs(['--seeds', '0'])).toThrow(/--seeds/);
    expect(() => parseTrainArgs(['--seeds', String(MAX_CLI_SEEDS + 1)])).toThrow(/--seeds/);
    expect(() => parseTrainArgs(['--seeds', '2', '--resume', 'ckpt-10.safetensors'])).toThrow(/--seeds cannot be combined with --resume/);
  });

  it('applies a scenario under the flags given, and refuses what it sets', () => {
    const s = SCENARIOS[0];
    const a = parseTrainArgs(['--scenario', s.name]);
    expect(a.seeds).toBeUndefined(); // the config's seeds, unless --seeds is given
    expect(a.finalEvalBatches).toBe(s.cli.finalEvalBatches);
    const c = buildConfig(a);
    expect(c).toEqual(scenarioConfig(s)); // the page opens the same comparison
    expect(c.runs.map((r) => r.name)).toEqual(s.config.runs.map((r) => r.name));
    expect(c.model).toBe(s.config.model);
    expect(c.seeds).toBe(s.config.seeds);
    const fewer = parseTrainArgs(['--scenario', s.name, '--seeds', '2', '--steps', '50']);
    expect(fewer.seeds).toBe(2);
    expect(buildConfig(fewer).totalSteps).toBe(50);
    expect(() => parseTrainArgs(['--scenario', 'nope'])).toThrow(/unknown scenario "nope" \(known: /);
    expect(() => parseTrainArgs(['--scenario', s.name, '--preset', 'gpt-tiny'])).toThrow(CliError);
    expect(() => parseTrainArgs(['--scenario', s.name, '--optimizer', 'sgd'])).toThrow(/--scenario cannot be combined with --optimizer/);
  });

  it('lets --resume take the text a user-text run trained on (--text is data, not a config change)', () => {
    const a = parseTrainArgs(['--resume', 'runs/a/ckpt-10.safetensors', '--text', 'story.txt', '--steps', '20']);
    expect(a.text).toBe('story.txt');
    expect(() => parseTrainArgs(['--resume', 'runs/a/ckpt-10.safetensors', '--dataset', 'user-text', '--text', 'story.txt'])).toThrow(/--dataset cannot be combined with --resume/);
  });

  it('every scenario is a valid configuration, the same on the CLI as on the page', () => {
    for (const s of SCENARIOS) {
      const c = buildConfig(parseTrainArgs(['--scenario', s.name]));
      expect(validateConfig(c).ok, s.name).toBe(true);
      expect(c, s.name).toEqual(scenarioConfig(s));
      expect(s.watch.length + s.claim.length).toBeGreaterThan(100);
    }
  });

  it('--scenario little-data plans what docs/experiments.md measured: full batch 512 on the first 512 digits, MLP 784→64→10, 5 seeds', () => {
    const plan = planTraining(parseTrainArgs(['--scenario', 'little-data', '--out', 'runs/never-written']));
    expect(plan.config).toMatchObject({ model: 'mlp-mnist', dataset: 'mnist', batchSize: 512, trainSubset: 512, mlpHidden: [64], seeds: 5, seed: 1337, totalSteps: 300 });
    expect(plan.data.kind === 'image' && plan.data.dataset.train.count).toBe(512);
    expect(plan.model).toEqual({ kind: 'mlp', inputs: 784, hidden: [64], classes: 10 });
    expect(scenarioConfig(scenarioByName('little-data')!)).toEqual(plan.config);
  });
});
