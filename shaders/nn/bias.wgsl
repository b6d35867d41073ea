// Bias gradient: the column sums of dout, in a fixed order (no atomics, same bits every run):
//
//   dbias[c] = Σ_n dout[n, c]            (+ dbias[c] when params.accumulate = 1)
//
// Two structural variants, chosen with the matmul's (src/nn/bias.ts):
//
// Default (GPUs): one workgroup per WG_X adjacent columns.
//   Thread (tx, ty) owns column c = wid.x·WG_X + tx and sums rows ty, ty + WG_Y, ty + 2·WG_Y, …
//   in increasing order (a row's WG_X columns are read contiguously across tx). The WG_Y partial
//   sums of a column are then combined by a tree in workgroup memory (pairs at distance WG_Y/2,
//   WG_Y/4, …, 1), always the same pairs, so the result does not depend on scheduling. This is
//   the two-level reduction that keeps N = 1024+ rows parallel; WG_Y must be a power of two.
//
//   Dispatch: (ceil(OC / WG_X), 1, 1).
//
// SERIAL (CPU adapters, where barriers and workgroup memory are slow): one thread per column
//   c = wid.x·WG_X·WG_Y + local index, summing all N rows in increasing order; no workgroup
//   memory, no barriers. Dispatch: (ceil(OC / (WG_X·WG_Y)), 1, 1).
//
// Bindings (group 0):
//   0 params  uniform Params
//   1 dout    storage read        (N, OC)
//   2 dbias   storage read_write  (OC)

struct Params {
  N: u32,
  OC: u32,
  accumulate: u32,
}

override WG_X: u32 = 16;
override WG_Y: u32 = 16;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read_write> dbias: array<f32>;

#if SERIAL
@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lix: u32) {
  let col = wid.x * WG_X * WG_Y + lix;
  if (col >= params.OC) { return; }
  var s = 0.0;
  for (var n = 0u; n < params.N; n++) {
    s += dout[n * params.OC + col];
  }
  if (params.accumulate != 0u) { s += dbias[col]; }
  dbias[col] = s;
}
#else
var<workgroup> partial: array<f32, WG_X * WG_Y>;  // (WG_Y, WG_X) per-lane column sums

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let col = wid.x * WG_X + lid.x;
  var s = 0.0;
  if (col < params.OC) {
    for (var n = lid.y; n < params.N; n += WG_Y) {
      s += dout[n * params.OC + col];
    }
  }
  partial[lid.y * WG_X + lid.x] = s;
  workgroupBarrier();
  for (var half = WG_Y / 2u; half > 0u; half /= 2u) {
    if (lid.y < half) {
      partial[lid.y * WG_X + lid.x] += partial[(lid.y + half) * WG_X + lid.x];
    }
    workgroupBarrier();
  }
  if (lid.y == 0u && col < params.OC) {
    var v = partial[lid.x];
    if (params.accumulate != 0u) { v += dbias[col]; }
    dbias[col] = v;
  }
}
#endif
