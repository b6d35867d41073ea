// The application store: a vanilla zustand store (usable without React in tests), read by
// components through selector hooks. Slices by concern; intents are named actions.
import { createStore } from 'zustand/vanilla';
import type { WorkerReport } from '../worker/protocol';
import type { GpuStatus } from './gpuSlice';

export interface AppState {
  gpu: GpuStatus;
  /** Applies a report from the worker. */
  receive(report: WorkerReport): void;
}

export function createAppStore() {
  return createStore<AppState>()((set) => ({
    gpu: { state: 'probing' },
    receive(report) {
      switch (report.type) {
        case 'adapter':
          set({ gpu: { state: 'ready', report: report.report } });
          break;
        case 'no-webgpu':
          set({ gpu: { state: 'unavailable', message: report.message } });
          break;
        case 'error':
          set({ gpu: { state: 'error', message: report.message } });
          break;
      }
    },
  }));
}

export type AppStore = ReturnType<typeof createAppStore>;
