// A kernel invocation prepared once (pipeline, bind group, grid) and encoded many times.
// Models build their forward and backward lists of Dispatches when they are planned, so a
// training step only encodes; nothing is created inside the step loop.
import type { Binding } from './binding';

export type { Binding };

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: readonly [number, number, number];
}


/** Bind group for group 0 with `bindings[i]` at @binding(i). */
/** Binding i of group 0 is bindings[i]; an undefined entry leaves its binding number unused. */
export function bindGroupFor(device: GPUDevice, label: string, pipeline: GPUComputePipeline, bindings: readonly (Binding | undefined)[]): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: bindings.flatMap((b, binding) => (b === undefined ? [] : [{ binding, resource: b instanceof GPUBuffer ? { buffer: b } : b }])),
  });
}

/** Encodes dispatches into one compute pass; writes of one dispatch are visible to the next. */
export function encodeDispatches(encoder: GPUCommandEncoder, dispatches: readonly Dispatch[], label = 'ComputePass'): void {
  const pass = encoder.beginComputePass({ label });
  for (const d of dispatches) {
    if (d.workgroups[0] === 0 || d.workgroups[1] === 0 || d.workgroups[2] === 0) continue;
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
  pass.end();
}

/** Encodes and submits dispatches in one command buffer. */
export function submitDispatches(device: GPUDevice, dispatches: readonly Dispatch[], label = 'Submit'): void {
  const encoder = device.createCommandEncoder({ label: `${label}.encoder` });
  encodeDispatches(encoder, dispatches, `${label}.pass`);
  device.queue.submit([encoder.finish()]);
}

/**
 * Grid for a 1-D kernel over `count` items with `workgroupSize` threads each, folded into
 * two dimensions when it exceeds the per-dimension limit. Kernels recover the linear index as
 * `gid.x + gid.y * (num_workgroups.x * WG)` and must bounds-check it.
 */
export function grid1d(count: number, workgroupSize: number, maxPerDimension = 65535): [number, number, number] {
  const groups = Math.ceil(count / workgroupSize);
  if (groups <= maxPerDimension) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDimension);
  return [Math.ceil(groups / y), y, 1];
}
