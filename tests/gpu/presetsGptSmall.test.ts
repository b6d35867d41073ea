// gpt-small (4 layers, width 256, context 128: about 3.2M parameters) trains: its own file
// because on SwiftShader one step takes tens of seconds. Batch 1, two steps, twice.
import { describe, it } from 'vitest';
import { useGpu } from '../helpers/gpu';
import { checkPreset } from './presetHarness';

describe('model preset gpt-small trains', () => {
  const gpu = useGpu();

  it('the loss falls on a fixed window; the same seed gives the same bits', async () => {
    await checkPreset(gpu().ctx, ['--preset', 'gpt-small', '--batch', '1', '--lr', '0.003'], 2, 2, 0.95);
  }, 600_000);
});
