// Node host: shaders/**/*.wgsl read from disk (the repository's shaders/ folder).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapShaderSource, type ShaderSource } from './shaderSource';

export const SHADER_ROOT = fileURLToPath(new URL('../../shaders/', import.meta.url));

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.name.endsWith('.wgsl')) out.push(p);
  }
  return out;
}

export function fsShaderSource(root = SHADER_ROOT): ShaderSource {
  const files = new Map<string, string>();
  for (const file of walk(root, [])) {
    const key = relative(root, file).split(sep).join('/').replace(/\.wgsl$/, '');
    files.set(key, readFileSync(file, 'utf8'));
  }
  return mapShaderSource(files, root);
}
