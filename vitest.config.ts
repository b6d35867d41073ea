// Three test projects (style.md): `unit` runs anywhere, `gpu` needs a WebGPU adapter in Node
// (Dawn; SwiftShader on machines without a GPU), `browser` drives the built app in headless
// Chromium. `npm test` runs all three; each can be run alone (`npm run test:gpu`).
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Dawn loads libvulkan.so.1 and the driver when the first device is created. On a Debian
// machine without a GPU, Chromium's package ships both the loader and SwiftShader; make them
// reachable for the forked test processes (the dynamic loader reads these at process start).
const chromiumLib = '/usr/lib/chromium';
if (existsSync(`${chromiumLib}/vk_swiftshader_icd.json`)) {
  process.env.VK_ICD_FILENAMES ??= `${chromiumLib}/vk_swiftshader_icd.json`;
  process.env.LD_LIBRARY_PATH = [process.env.LD_LIBRARY_PATH, chromiumLib].filter(Boolean).join(':');
}

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['tests/gpu/**/*.test.ts'],
          expect: { poll: { timeout: 30_000, interval: 100 } },
          environment: 'node',
          pool: 'forks',
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          // Page updates are throttled and compete with SwiftShader for the CPU: poll generously.
          expect: { poll: { timeout: 20_000, interval: 100 } },
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
