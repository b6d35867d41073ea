// Thread → row mapping of the row kernels (shaders/nn/layernorm.wgsl, crossentropy.wgsl),
// appended through the pipeline spec's `includes` (src/nn/rowVariant.ts ROW_INCLUDES) and
// preprocessed with the kernel's defines. It uses the kernel's `WG` override. No bindings, no
// entry point.
//   default            one thread per row: its row is its global index, and it is the row's
//                      only lane.
//   WORKGROUP_PER_ROW  one workgroup per row: its row is the workgroup's index, and the WG
//                      threads are its lanes (thread lane handles elements lane, lane + WG, …).

// The row an invocation works on. With WORKGROUP_PER_ROW it depends on the workgroup alone
// (uniform in it), so a kernel's early return for rows past N keeps its barriers uniform.
fn rowOf(wid: vec3<u32>, gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
#if WORKGROUP_PER_ROW
  return wid.x + wid.y * nwg.x;
#else
  return gid.x + gid.y * nwg.x * WG;
#endif
}

// The invocation's first element of its row; it then strides by laneCount().
fn laneOf(lid: u32) -> u32 {
#if WORKGROUP_PER_ROW
  return lid;
#else
  return 0u;
#endif
}

// Invocations sharing a row.
fn laneCount() -> u32 {
#if WORKGROUP_PER_ROW
  return WG;
#else
  return 1u;
#endif
}
