// Entry point of `npm run train` (tsx src/cli/train.ts); the CLI itself is trainMain.ts.
import { main } from './trainMain';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`train: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);
