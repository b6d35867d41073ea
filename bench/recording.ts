// Sees what a step encodes: a wrapper around a GPUCommandEncoder whose compute passes record
// every dispatch (pipeline, bind group, grid) while still encoding it. The benchmark counts
// them (dispatch overhead on SwiftShader is 20–50 µs each) and replays them one at a time to
// time each kernel of a step (bench/suites/profile.ts).

export interface RecordedDispatch {
  label: string; // the bind group's label without '.bindGroup' ('Owner.thing')
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

export interface EncodeRecord {
  passes: number;
  dispatches: RecordedDispatch[];
}

function recordingPass(pass: GPUComputePassEncoder, record: EncodeRecord): GPUComputePassEncoder {
  record.passes++;
  let pipeline: GPUComputePipeline | undefined;
  let bindGroup: GPUBindGroup | undefined;
  return new Proxy(pass, {
    get(target, prop) {
      if (prop === 'setPipeline') {
        return (p: GPUComputePipeline) => {
          pipeline = p;
          target.setPipeline(p);
        };
      }
      if (prop === 'setBindGroup') {
        return (index: number, group: GPUBindGroup | null, offsets?: Iterable<GPUBufferDynamicOffset>) => {
          if (index === 0 && group) bindGroup = group;
          target.setBindGroup(index, group, offsets);
        };
      }
      if (prop === 'dispatchWorkgroups') {
        return (x: number, y = 1, z = 1) => {
          if (!pipeline || !bindGroup) throw new Error('recordingPass: dispatch without a pipeline and bind group 0');
          record.dispatches.push({ label: bindGroup.label.replace(/\.bindGroup$/, ''), pipeline, bindGroup, workgroups: [x, y, z] });
          target.dispatchWorkgroups(x, y, z);
        };
      }
      if (prop === 'dispatchWorkgroupsIndirect') throw new Error('recordingPass: indirect dispatches are not recorded');
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** `encoder`, but every compute pass it begins adds its passes and dispatches to `record`. */
export function recordingEncoder(encoder: GPUCommandEncoder, record: EncodeRecord): GPUCommandEncoder {
  return new Proxy(encoder, {
    get(target, prop) {
      if (prop === 'beginComputePass') {
        return (descriptor?: GPUComputePassDescriptor) => recordingPass(target.beginComputePass(descriptor), record);
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
