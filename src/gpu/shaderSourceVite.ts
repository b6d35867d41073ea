// Vite/Vitest host: every shaders/**/*.wgsl bundled as text at build time.
import { mapShaderSource, type ShaderSource } from './shaderSource';

const modules = import.meta.glob<string>('/shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true });

function byPath(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [file, text] of Object.entries(modules)) {
    files.set(file.replace(/^\/shaders\//, '').replace(/\.wgsl$/, ''), text);
  }
  return files;
}

export const viteShaderSource: ShaderSource = mapShaderSource(byPath(), 'the Vite bundle (shaders/**/*.wgsl)');
