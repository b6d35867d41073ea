// LayerNorm over the last dimension C of N = B·T rows, forward and backward. Exactly one of
// FORWARD, BACKWARD_INPUT, BACKWARD_PARAMS is set; each block declares only its bindings.
//
//   forward   out = (x − mean)·rstd·weight + bias,  rstd = 1/√(var + eps)  (biased variance)
//   backward  norm = (x − mean)·rstd, dnorm = dout·weight,
//             dx (+)= (dnorm − mean(dnorm) − norm·mean(dnorm·norm))·rstd
//             dweight (+)= Σ_rows dout·norm,  dbias (+)= Σ_rows dout
//
// ROWWISE is set with FORWARD and BACKWARD_INPUT, the row kernels, which come in two variants:
//   default            one thread per row, a plain loop over C: no barriers. On the SwiftShader
//                      CPU adapter this is 20–40× faster than the variant below (measured at
//                      N = 1024–2048, C = 128–256), and at the playground's sizes (N·C ≲ 10⁶)
//                      it is cheap on GPUs as well.
//   WORKGROUP_PER_ROW  one workgroup of WG threads per row, channels strided over the threads,
//                      sums by a tree in workgroup memory: coalesced, for large C on GPUs.
// Every sum is taken in a fixed order (loops in channel order, or strided loops then a fixed
// tree), so results are bit-identical from run to run. No atomics.

struct Params {
  N: u32,
  C: u32,
  eps: f32,
  accumulate: u32,
}

@group(0) @binding(0) var<uniform> params: Params;

#if ROWWISE
override WG: u32 = 64;

#if WORKGROUP_PER_ROW
var<workgroup> scratch: array<vec2<f32>, WG>;

// Sum of `v` over the workgroup's WG threads (WG a power of two), returned to every thread.
// Thread lane first holds its own strided partial sum; the tree then adds lane + half into lane
// for half = WG/2, …, 1.
fn rowSum(lane: u32, v: vec2<f32>) -> vec2<f32> {
  scratch[lane] = v;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lane < half) { scratch[lane] += scratch[lane + half]; }
    workgroupBarrier();
  }
  let total = scratch[0];
  workgroupBarrier();  // everyone has read scratch[0] before it is reused
  return total;
}
#else
// One thread per row: its own loop already covered the whole row.
fn rowSum(lane: u32, v: vec2<f32>) -> vec2<f32> {
  return v;
}
#endif
#endif

#if FORWARD
// Row `row`, channels lane, lane + lanes, … (lanes = 1 for thread-per-row). Two passes over the
// row: mean, then variance of the deviations. Dispatch: grid1d(N, WG), or grid1d(N, 1) with
// WORKGROUP_PER_ROW.
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (N, C)
@group(0) @binding(2) var<storage, read> weight: array<f32>;       // (C)
@group(0) @binding(3) var<storage, read> bias: array<f32>;         // (C)
@group(0) @binding(4) var<storage, read_write> out: array<f32>;    // (N, C)
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;   // (N)
@group(0) @binding(6) var<storage, read_write> rstd: array<f32>;   // (N)

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
#if WORKGROUP_PER_ROW
  let row = wid.x + wid.y * nwg.x;  // uniform in the workgroup, so the return keeps barriers uniform
  let lane = lid;
  let lanes = WG;
#else
  let row = gid.x + gid.y * nwg.x * WG;
  let lane = 0u;
  let lanes = 1u;
#endif
  if (row >= params.N) { return; }
  let C = params.C;
  let base = row * C;
  var s = 0.0;
  for (var c = lane; c < C; c += lanes) { s += inp[base + c]; }
  let m = rowSum(lane, vec2<f32>(s, 0.0)).x / f32(C);
  var q = 0.0;
  for (var c = lane; c < C; c += lanes) {
    let d = inp[base + c] - m;
    q += d * d;
  }
  let r = inverseSqrt(rowSum(lane, vec2<f32>(q, 0.0)).x / f32(C) + params.eps);
  for (var c = lane; c < C; c += lanes) {
    out[base + c] = (inp[base + c] - m) * r * weight[c] + bias[c];
  }
  if (lane == 0u) {
    mean[row] = m;
    rstd[row] = r;
  }
}
#endif

#if BACKWARD_INPUT
// dx of one row (same mapping and dispatch as FORWARD); both row means in one reduction.
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (N, C)
@group(0) @binding(2) var<storage, read> weight: array<f32>;       // (C)
@group(0) @binding(3) var<storage, read> mean: array<f32>;         // (N)
@group(0) @binding(4) var<storage, read> rstd: array<f32>;         // (N)
@group(0) @binding(5) var<storage, read> dout: array<f32>;         // (N, C)
@group(0) @binding(6) var<storage, read_write> dinp: array<f32>;   // (N, C)

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
#if WORKGROUP_PER_ROW
  let row = wid.x + wid.y * nwg.x;  // uniform in the workgroup, so the return keeps barriers uniform
  let lane = lid;
  let lanes = WG;
#else
  let row = gid.x + gid.y * nwg.x * WG;
  let lane = 0u;
  let lanes = 1u;
#endif
  if (row >= params.N) { return; }
  let C = params.C;
  let base = row * C;
  let m = mean[row];
  let r = rstd[row];
  var acc = vec2<f32>(0.0, 0.0);  // (Σ dnorm, Σ dnorm·norm)
  for (var c = lane; c < C; c += lanes) {
    let dnorm = dout[base + c] * weight[c];
    acc += vec2<f32>(dnorm, dnorm * (inp[base + c] - m) * r);
  }
  let means = rowSum(lane, acc) / f32(C);
  for (var c = lane; c < C; c += lanes) {
    let norm = (inp[base + c] - m) * r;
    var v = (dout[base + c] * weight[c] - means.x - norm * means.y) * r;
    if (params.accumulate != 0u) { v += dinp[base + c]; }
    dinp[base + c] = v;
  }
}
#endif

#if BACKWARD_PARAMS
// dweight and dbias: column reductions over the N rows. Two variants (src/nn/layernorm.ts):
//   default         one workgroup per WG_X adjacent channels; thread (tx, ty) sums rows ty,
//                   ty + WG_Y, … of channel wid.x·WG_X + tx in order, then a fixed tree over ty
//                   (WG_Y a power of two). Dispatch: (ceil(C / WG_X), 1, 1). For GPUs.
//   SERIAL_COLUMNS  one thread per channel c = wid.x·WG_X·WG_Y + local index sums all N rows in
//                   order; no workgroup memory or barriers (slow on CPU adapters).
//                   Dispatch: (ceil(C / (WG_X·WG_Y)), 1, 1).
override WG_X: u32 = 16;
override WG_Y: u32 = 16;

@group(0) @binding(1) var<storage, read> inp: array<f32>;            // (N, C)
@group(0) @binding(2) var<storage, read> mean: array<f32>;           // (N)
@group(0) @binding(3) var<storage, read> rstd: array<f32>;           // (N)
@group(0) @binding(4) var<storage, read> dout: array<f32>;           // (N, C)
@group(0) @binding(5) var<storage, read_write> dweight: array<f32>;  // (C)
@group(0) @binding(6) var<storage, read_write> dbias: array<f32>;    // (C)

// Writes channel col's (Σ dout·norm, Σ dout), added to the existing gradient with accumulate.
fn storeParams(col: u32, sums: vec2<f32>) {
  var v = sums;
  if (params.accumulate != 0u) { v += vec2<f32>(dweight[col], dbias[col]); }
  dweight[col] = v.x;
  dbias[col] = v.y;
}

#if SERIAL_COLUMNS
@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lix: u32) {
  let C = params.C;
  let col = wid.x * WG_X * WG_Y + lix;
  if (col >= C) { return; }
  var s = vec2<f32>(0.0, 0.0);
  for (var n = 0u; n < params.N; n++) {
    let g = dout[n * C + col];
    s += vec2<f32>(g * (inp[n * C + col] - mean[n]) * rstd[n], g);
  }
  storeParams(col, s);
}
#else
var<workgroup> partial: array<vec2<f32>, WG_X * WG_Y>;  // (WG_Y, WG_X) of (Σ dout·norm, Σ dout)

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let C = params.C;
  let col = wid.x * WG_X + lid.x;
  var s = vec2<f32>(0.0, 0.0);
  if (col < C) {
    for (var n = lid.y; n < params.N; n += WG_Y) {
      let g = dout[n * C + col];
      s += vec2<f32>(g * (inp[n * C + col] - mean[n]) * rstd[n], g);
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
  if (lid.y == 0u && col < C) { storeParams(col, partial[lid.x]); }
}
#endif
#endif
