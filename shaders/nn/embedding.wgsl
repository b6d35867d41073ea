// Token + position embedding, forward and backward. One pass per preprocessor block (exactly one of
// FORWARD, BUCKET, BACKWARD_WTE, BACKWARD_WPE is set); each declares only the bindings it uses.
//
// Linear thread index (all passes): i = gid.x + gid.y · (num_workgroups.x · WG), the grid being
// folded into two dimensions when large (src/gpu/dispatch.ts grid1d).

struct Params {
  B: u32,
  T: u32,
  C: u32,
  V: u32,
  accumulate: u32,
}

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> params: Params;

#if FORWARD
// out[b, t, c] = wte[tok[b, t], c] + wpe[t, c]. One thread per output element (B·T·C).
// A token ≥ V contributes a zero row (wpe only) instead of reading out of bounds.
// Dispatch: grid1d(B·T·C, WG).
@group(0) @binding(1) var<storage, read> tokens: array<u32>;      // (B, T)
@group(0) @binding(2) var<storage, read> wte: array<f32>;         // (V, C)
@group(0) @binding(3) var<storage, read> wpe: array<f32>;         // (≥T, C)
@group(0) @binding(4) var<storage, read_write> out: array<f32>;   // (B, T, C)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let C = params.C;
  if (i >= params.B * params.T * C) { return; }
  let bt = i / C;
  let c = i % C;
  let t = bt % params.T;
  let tok = tokens[bt];
  var v = wpe[t * C + c];
  if (tok < params.V) { v += wte[tok * C + c]; }
  out[i] = v;
}
#endif

#if BUCKET
// Groups positions by token, deterministically, as a counting sort with one thread per token v:
// start = #positions whose token is < v, then the positions holding v are written in increasing
// order to order[start …]. bounds[2v], bounds[2v + 1] = that range. Tokens ≥ V land in no bucket.
// Cost V·B·T compares (two scans per thread), no atomics. Dispatch: grid1d(V, WG).
@group(0) @binding(1) var<storage, read> tokens: array<u32>;        // (B, T)
@group(0) @binding(2) var<storage, read_write> order: array<u32>;   // (B·T) positions by token
@group(0) @binding(3) var<storage, read_write> bounds: array<u32>;  // (V, 2) [start, end) per token

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let v = gid.x + gid.y * nwg.x * WG;
  if (v >= params.V) { return; }
  let BT = params.B * params.T;
  var start = 0u;
  for (var p = 0u; p < BT; p++) {
    if (tokens[p] < v) { start++; }
  }
  var end = start;
  for (var p = 0u; p < BT; p++) {
    if (tokens[p] == v) {
      order[end] = p;
      end++;
    }
  }
  bounds[2u * v] = start;
  bounds[2u * v + 1u] = end;
}
#endif

#if BACKWARD_WTE
// dwte[v, c] (+)= Σ_{(b,t): tok[b,t] = v} dout[b, t, c]. One thread per table entry (v, c)
// gathers over the positions of token v (from BUCKET) in increasing order: no scatter, so no
// races and no float atomics, and a fixed sum order (bit-identical runs). Threads of a
// workgroup share v and read contiguous channels of dout. Dispatch: grid1d(V·C, WG).
@group(0) @binding(1) var<storage, read> order: array<u32>;         // (B·T)
@group(0) @binding(2) var<storage, read> bounds: array<u32>;        // (V, 2)
@group(0) @binding(3) var<storage, read> dout: array<f32>;          // (B, T, C)
@group(0) @binding(4) var<storage, read_write> dwte: array<f32>;    // (V, C)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let C = params.C;
  if (i >= params.V * C) { return; }
  let v = i / C;
  let c = i % C;
  var s = 0.0;
  for (var k = bounds[2u * v]; k < bounds[2u * v + 1u]; k++) {
    s += dout[order[k] * C + c];
  }
  if (params.accumulate != 0u) { s += dwte[i]; }
  dwte[i] = s;
}
#endif

#if BACKWARD_WPE
// dwpe[t, c] (+)= Σ_b dout[b, t, c]. One thread per (t, c), summing b = 0, 1, … in order.
// Rows t ≥ T of a longer wpe table are not touched. Dispatch: grid1d(T·C, WG).
@group(0) @binding(1) var<storage, read> dout: array<f32>;          // (B, T, C)
@group(0) @binding(2) var<storage, read_write> dwpe: array<f32>;    // (≥T, C)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let TC = params.T * params.C;
  if (i >= TC) { return; }
  var s = 0.0;
  for (var b = 0u; b < params.B; b++) { s += dout[b * TC + i]; }
  if (params.accumulate != 0u) { s += dwpe[i]; }
  dwpe[i] = s;
}
#endif
