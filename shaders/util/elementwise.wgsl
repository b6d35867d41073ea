// Elementwise utilities over n elements (n up to tens of millions):
//
//   FILL   fill    dst[dstOffset + i] = alpha
//   COPY   copy    dst[dstOffset + i] = src[srcOffset + i]
//   SCALE  scale   x[dstOffset + i] *= alpha
//   AXPY   axpy    y[dstOffset + i] += alpha · x[srcOffset + i]      (fma, one rounding)
//   (none) add     out[i] = a[i] + b[i]                              (residual connections)
//
// alpha lives in the params uniform so it can change every step (ctx.updateParams, or
// setElementwiseAlpha, which rewrites only that field).
// Thread mapping: one element per thread over a 1-D grid folded into two dimensions when it
// exceeds 65535 workgroups (grid1d): i = gid.x + gid.y·(num_workgroups.x·WG), bounds-checked.
// Memory-bound; neighbouring threads touch neighbouring elements. Dispatch: grid1d(n, WG).
// One define per entry point, each declaring only the bindings it uses.

struct Params {
  n: u32,
  srcOffset: u32,  // elements
  dstOffset: u32,  // elements
  alpha: f32,
}

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> params: Params;

fn elementIndex(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

#if FILL
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;  // (≥ dstOffset + n)

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  dst[params.dstOffset + i] = params.alpha;
}

#elif COPY
@group(0) @binding(1) var<storage, read> src: array<f32>;        // (≥ srcOffset + n)
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;  // (≥ dstOffset + n)

@compute @workgroup_size(WG)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  dst[params.dstOffset + i] = src[params.srcOffset + i];
}

#elif SCALE
@group(0) @binding(1) var<storage, read_write> x: array<f32>;    // (≥ dstOffset + n)

@compute @workgroup_size(WG)
fn scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  let at = params.dstOffset + i;
  x[at] = params.alpha * x[at];
}

#elif AXPY
@group(0) @binding(1) var<storage, read> x: array<f32>;          // (≥ srcOffset + n)
@group(0) @binding(2) var<storage, read_write> y: array<f32>;    // (≥ dstOffset + n)

@compute @workgroup_size(WG)
fn axpy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  let at = params.dstOffset + i;
  y[at] = fma(params.alpha, x[params.srcOffset + i], y[at]);
}

#else
@group(0) @binding(1) var<storage, read> a: array<f32>;          // (n)
@group(0) @binding(2) var<storage, read> b: array<f32>;          // (n)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;  // (n)

@compute @workgroup_size(WG)
fn add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  out[i] = a[i] + b[i];
}
#endif
