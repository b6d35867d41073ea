// Where WGSL text comes from. The engine asks for a shader by its path under `shaders/`
// without the extension ("nn/matmul"); each host supplies a ShaderSource:
// - Vite and Vitest: `viteShaderSource` (shaderSourceVite.ts), files bundled with `?raw`;
// - plain Node (CLI): `fsShaderSource` (shaderSourceFs.ts), files read from disk.
export interface ShaderSource {
  /** The text of `shaders/<path>.wgsl`; throws with the list of known paths if missing. */
  text(path: string): string;
}

export function mapShaderSource(files: ReadonlyMap<string, string>, origin: string): ShaderSource {
  return {
    text(path: string): string {
      const t = files.get(path);
      if (t === undefined) {
        throw new Error(`Shader "${path}" not found in ${origin}; known: ${[...files.keys()].sort().join(', ')}`);
      }
      return t;
    },
  };
}
