// The training CLI (`npm run train`) in a GPU test: main() with the test's device and its output
// captured. The CLI closes the device it is handed, so it gets a wrapper whose close does nothing.
import { main, type TrainIo } from '../../src/cli/trainMain';
import type { NodeGpu } from '../../src/gpu/node';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export function cliRunner(node: () => NodeGpu): (argv: string[]) => Promise<CliResult> {
  return async (argv) => {
    let out = '';
    let err = '';
    const io: Partial<TrainIo> = {
      stdout: { write: (t) => void (out += t), isTTY: false },
      stderr: { write: (t) => void (err += t) },
      createGpu: () => Promise.resolve({ ...node(), close: () => undefined }),
    };
    const code = await main(argv, io);
    return { code, out, err };
  };
}
