// The results table of a folder of seeds, rebuilt from what each seed wrote (src/cli/resultsFolder.ts):
// for seeds trained by separate commands, such as a long run continued with --resume one seed at
// a time (docs/experiments.md, "long-run"). Writes OUT/results.csv and OUT/results.json and prints
// the table, as `npm run train -- --seeds S` does.
//
//   npx tsx scripts/scenario-results.ts runs/scenario-long-run [SCENARIO]
import { resultsOfFolder, writeResults } from '../src/cli/resultsFolder';

const [dir, scenario] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: npx tsx scripts/scenario-results.ts OUT_DIR [SCENARIO]\n');
  process.exit(2);
}
const { table, config, wallSeconds } = resultsOfFolder(dir);
process.stdout.write(writeResults(dir, table, { wallSeconds, config, scenario: scenario ?? null }));
process.stdout.write(`${table.seeds.length} seeds, ${wallSeconds.toFixed(0)} s of training in all; wrote ${dir}/results.csv\n`);
