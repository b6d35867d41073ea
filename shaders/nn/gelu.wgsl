// GELU, tanh form: gelu(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), forward and backward.
// One thread per element; linear index i = gid.x + gid.y · (num_workgroups.x · WG).
// Dispatch: grid1d(N, WG). Exactly one of FORWARD, BACKWARD, BACKWARD_TANGENT is set. gelu,
// geluGrad and geluGrad2 come from shaders/nn/geluMath.wgsl (appended through the pipeline
// spec's `includes`).

struct Params {
  N: u32,
  accumulate: u32,
}

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> params: Params;

#if FORWARD
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (N)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;    // (N)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.N) { return; }
  out[i] = gelu(inp[i]);
}
#endif

#if BACKWARD
// dinp (+)= dout · gelu'(x).
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (N) forward input
@group(0) @binding(2) var<storage, read> dout: array<f32>;         // (N)
@group(0) @binding(3) var<storage, read_write> dinp: array<f32>;   // (N)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.N) { return; }
  var v = dout[i] * geluGrad(inp[i]);
  if (params.accumulate != 0u) { v += dinp[i]; }
  dinp[i] = v;
}
#endif

#if BACKWARD_TANGENT
// The second-order term of the tangent of the backward (forward-over-reverse, for exact
// Hessian-vector products; docs/algorithm.md "Sharpness"). The backward is dinp = dout·gelu'(x);
// along a direction, d(dinp) = d(dout)·gelu'(x) + dout·gelu''(x)·ẋ. The first term is the
// backward itself (BACKWARD, or the matmul's GELU_GRAD epilogue); this pass adds the second:
//   dinp (+)= dout · gelu''(x) · xdot
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (N) forward input x
@group(0) @binding(2) var<storage, read> inpDot: array<f32>;       // (N) its tangent ẋ
@group(0) @binding(3) var<storage, read> dout: array<f32>;         // (N) gradient at the GELU's output
@group(0) @binding(4) var<storage, read_write> dinp: array<f32>;   // (N)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.N) { return; }
  var v = dout[i] * geluGrad2(inp[i]) * inpDot[i];
  if (params.accumulate != 0u) { v += dinp[i]; }
  dinp[i] = v;
}
#endif
