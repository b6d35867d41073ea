// ReLU and its backward over n elements of any shape (CNN activations are (N, C, H, W)):
//
//   forward   out = max(inp, 0)
//   backward  dinp = dout · [act > 0]   where act is the layer's input or its output
//                                        (x > 0 exactly when relu(x) > 0, so either works)
//
// IN_PLACE variants overwrite their one read_write buffer (out = inp, or dinp = dout), since a
// buffer cannot be bound twice when one binding is writable.
// Thread mapping: one element per thread over a 1-D grid folded into two dimensions
// (grid1d): i = gid.x + gid.y·(num_workgroups.x·WG). Memory-bound; neighbouring threads touch
// neighbouring elements. Dispatch: grid1d(n, WG).

struct Params {
  n: u32,
}

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> params: Params;

#if BACKWARD
@group(0) @binding(1) var<storage, read> act: array<f32>;            // (n) the input or output of the forward pass
#if IN_PLACE
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;     // (n) dout in, dinp out
#else
@group(0) @binding(2) var<storage, read> dout: array<f32>;           // (n)
@group(0) @binding(3) var<storage, read_write> dinp: array<f32>;     // (n)
#endif

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
#if IN_PLACE
  grad[i] = select(0.0, grad[i], act[i] > 0.0);
#else
  dinp[i] = select(0.0, dout[i], act[i] > 0.0);
#endif
}

#else
#if IN_PLACE
@group(0) @binding(1) var<storage, read_write> x: array<f32>;        // (n) inp in, out out
#else
@group(0) @binding(1) var<storage, read> inp: array<f32>;            // (n)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;      // (n)
#endif

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
#if IN_PLACE
  x[i] = max(x[i], 0.0);
#else
  out[i] = max(inp[i], 0.0);
#endif
}
#endif
