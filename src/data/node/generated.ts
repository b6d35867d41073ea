// Node host: the converted dataset files under public/generated/ — written by
// `npm run data` (scripts/prepare-data.ts) when missing or stale, read by the CLI and tests.
// A file is fresh when its header has this build's magic, format version and the fingerprint
// of the installed package version; writing is atomic (temporary file, then rename).
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILES, type GeneratedDataset } from '../datasets';
import { FORMAT_VERSION, IMAGE_MAGIC, TEXT_MAGIC, encodeImageDataset, encodeTextDataset, readHeaderStamp } from '../format';
import { mnistFromPackage } from './mnist';
import { mobyDickFromPackage } from './mobyDick';
import { MNIST_PACKAGE, MOBY_DICK_PACKAGE, sourceFingerprint } from './packages';

export const GENERATED_DIR = fileURLToPath(new URL('../../../public/generated/', import.meta.url));

interface Converter {
  magic: number;
  packageName: string;
  convert: (fp: number) => Uint8Array;
}

const CONVERTERS: Record<GeneratedDataset, Converter> = {
  'moby-dick': { magic: TEXT_MAGIC, packageName: MOBY_DICK_PACKAGE, convert: (fp) => encodeTextDataset(mobyDickFromPackage(), fp) },
  mnist: { magic: IMAGE_MAGIC, packageName: MNIST_PACKAGE, convert: (fp) => encodeImageDataset(mnistFromPackage(), fp) },
};

export function generatedPath(name: GeneratedDataset, dir = GENERATED_DIR): string {
  return join(dir, GENERATED_FILES[name]);
}

function readFirstBytes(path: string, n: number): Uint8Array | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const buf = new Uint8Array(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Whether the converted file of `name` exists and matches this build and the installed package. */
export function isGeneratedFresh(name: GeneratedDataset, dir = GENERATED_DIR): boolean {
  const c = CONVERTERS[name];
  const head = readFirstBytes(generatedPath(name, dir), 12);
  const stamp = head && readHeaderStamp(head);
  return !!stamp && stamp.magic === c.magic && stamp.version === FORMAT_VERSION && stamp.fingerprint === sourceFingerprint(c.packageName);
}

export interface PrepareResult {
  name: GeneratedDataset;
  path: string;
  action: 'wrote' | 'fresh';
  bytes: number;
}

/** Converts every generated dataset that is missing or stale (all of them with `force`). */
export function prepareGenerated(options: { dir?: string; force?: boolean } = {}): PrepareResult[] {
  const dir = options.dir ?? GENERATED_DIR;
  mkdirSync(dir, { recursive: true });
  return (Object.keys(CONVERTERS) as GeneratedDataset[]).map((name) => {
    const path = generatedPath(name, dir);
    if (!options.force && isGeneratedFresh(name, dir)) return { name, path, action: 'fresh', bytes: statSync(path).size };
    const c = CONVERTERS[name];
    const bytes = c.convert(sourceFingerprint(c.packageName));
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
    return { name, path, action: 'wrote', bytes: bytes.length };
  });
}

/** The bytes of a converted dataset: the generated file when fresh, else converted in memory. */
export function generatedBytes(name: GeneratedDataset, dir = GENERATED_DIR): Uint8Array {
  if (isGeneratedFresh(name, dir)) return new Uint8Array(readFileSync(generatedPath(name, dir)));
  const c = CONVERTERS[name];
  return c.convert(sourceFingerprint(c.packageName));
}
