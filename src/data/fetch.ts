// Browser host: loads the converted datasets that `npm run data` wrote to public/generated/.
// The base URL is given by the caller (e.g. `${import.meta.env.BASE_URL}generated/`).
import { DataError } from './errors';
import { GENERATED_FILES, type GeneratedDataset } from './datasets';
import { decodeImageDataset, decodeTextDataset } from './format';
import type { ImageDataset } from './imageDataset';
import type { TextDataset } from './textDataset';

export type FetchFn = (url: string) => Promise<Response>;

export async function fetchBytes(url: string, fetchFn: FetchFn = fetch): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetchFn(url);
  } catch (e) {
    throw new DataError(`Could not load ${url}: ${e instanceof Error ? e.message : String(e)}.`);
  }
  const missing = `(was \`npm run data\` run before the build?)`;
  if (!res.ok) throw new DataError(`Could not load ${url}: HTTP ${res.status} ${missing}.`);
  // A server that answers every path with the page (a single-page-app fallback) has no such file.
  if ((res.headers.get('content-type') ?? '').startsWith('text/html')) throw new DataError(`Could not load ${url}: the server sent a web page instead ${missing}.`);
  return new Uint8Array(await res.arrayBuffer());
}

function urlOf(baseUrl: string, name: GeneratedDataset): string {
  return `${baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`}${GENERATED_FILES[name]}`;
}

export async function fetchTextDataset(baseUrl: string, name: 'moby-dick' = 'moby-dick', fetchFn?: FetchFn): Promise<TextDataset> {
  const url = urlOf(baseUrl, name);
  return decodeTextDataset(await fetchBytes(url, fetchFn), url);
}

export async function fetchImageDataset(baseUrl: string, name: 'mnist' = 'mnist', fetchFn?: FetchFn): Promise<ImageDataset> {
  const url = urlOf(baseUrl, name);
  return decodeImageDataset(await fetchBytes(url, fetchFn), url);
}
