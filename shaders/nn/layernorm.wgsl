// LayerNorm over the last dimension C of N = B·T rows, forward and backward, and their tangents.
// Exactly one of FORWARD, BACKWARD_INPUT, BACKWARD_PARAMS, FORWARD_TANGENT,
// BACKWARD_INPUT_TANGENT is set (PARAMS_TANGENT only with BACKWARD_PARAMS); each block declares
// only its bindings.
//
//   forward   out = (x − mean)·rstd·weight + bias,  rstd = 1/√(var + eps)  (biased variance)
//   backward  norm = (x − mean)·rstd, dnorm = dout·weight,
//             dx (+)= (dnorm − mean(dnorm) − norm·mean(dnorm·norm))·rstd
//             dweight (+)= Σ_rows dout·norm,  dbias (+)= Σ_rows dout
//
// The tangents (derivatives along a direction in parameter space, written with a dot; forward-
// over-reverse for exact Hessian-vector products, docs/algorithm.md "Sharpness") are in the
// FORWARD_TANGENT, BACKWARD_INPUT_TANGENT and PARAMS_TANGENT blocks below.
//
// ROWWISE is set with the row kernels (FORWARD, BACKWARD_INPUT and the two row tangents),
// which come in two variants:
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

// (mean, rstd) of the row at offset `base`: two passes, the mean, then the variance of the
// deviations. FORWARD saves them; the tangents recompute them from x rather than binding the
// saved ones (a row kernel binds at most 8 storage buffers).
fn rowMeanRstd(lane: u32, lanes: u32, base: u32) -> vec2<f32> {
  let C = params.C;
  var s = 0.0;
  for (var c = lane; c < C; c += lanes) { s += inp[base + c]; }
  let m = rowSum(lane, vec2<f32>(s, 0.0)).x / f32(C);
  var q = 0.0;
  for (var c = lane; c < C; c += lanes) {
    let d = inp[base + c] - m;
    q += d * d;
  }
  return vec2<f32>(m, inverseSqrt(rowSum(lane, vec2<f32>(q, 0.0)).x / f32(C) + params.eps));
}
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
  let row = rowOf(wid, gid, nwg);  // shaders/util/rows.wgsl; uniform per workgroup with WORKGROUP_PER_ROW
  let lane = laneOf(lid);
  let lanes = laneCount();
  if (row >= params.N) { return; }
  let C = params.C;
  let base = row * C;
  let stats = rowMeanRstd(lane, lanes, base);
  let m = stats.x;
  let r = stats.y;
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
  let row = rowOf(wid, gid, nwg);  // shaders/util/rows.wgsl; uniform per workgroup with WORKGROUP_PER_ROW
  let lane = laneOf(lid);
  let lanes = laneCount();
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
@group(0) @binding(4) var<storage, read> dout: array<f32>;           // (N, C) ḋout with PARAMS_TANGENT
@group(0) @binding(5) var<storage, read_write> dweight: array<f32>;  // (C)
@group(0) @binding(6) var<storage, read_write> dbias: array<f32>;    // (C)
#if PARAMS_TANGENT
// The tangent of dweight and dbias: d(dweight) = Σ_rows (ḋout·norm + dout·ṅorm), d(dbias) = Σ_rows ḋout,
// with ṅorm the tangent of norm that FORWARD_TANGENT saved.
@group(0) @binding(7) var<storage, read> doutPrimal: array<f32>;     // (N, C) the backward's dout
@group(0) @binding(8) var<storage, read> normDot: array<f32>;        // (N, C) ṅorm
#endif

// Row n's terms of channel col: (dout·norm, dout), and dout₀·ṅorm added with PARAMS_TANGENT.
fn columnTerms(n: u32, col: u32) -> vec2<f32> {
  let at = n * params.C + col;
  let g = dout[at];
#if PARAMS_TANGENT
  return vec2<f32>(g * (inp[at] - mean[n]) * rstd[n] + doutPrimal[at] * normDot[at], g);
#else
  return vec2<f32>(g * (inp[at] - mean[n]) * rstd[n], g);
#endif
}

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
  for (var n = 0u; n < params.N; n++) { s += columnTerms(n, col); }
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
    for (var n = lid.y; n < params.N; n += WG_Y) { s += columnTerms(n, col); }
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

#if FORWARD_TANGENT
// The tangent of FORWARD along a direction: x, weight and bias move by ẋ, ẇ, ḃ. With
// norm = (x − mean)·rstd, mean' = mean(ẋ) and rstd' = −rstd²·mean(norm·ẋ):
//   ṅorm = rstd·(ẋ − mean(ẋ) − norm·mean(norm·ẋ))
//   out  = ṅorm·weight + norm·ẇ + ḃ
// and ṅorm is saved for the tangent of dweight (PARAMS_TANGENT). Same thread mapping and
// dispatch as FORWARD.
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (N, C) x
@group(0) @binding(2) var<storage, read> inpDot: array<f32>;       // (N, C) ẋ
@group(0) @binding(3) var<storage, read> weight: array<f32>;       // (C)
@group(0) @binding(4) var<storage, read> weightDot: array<f32>;    // (C) ẇ
@group(0) @binding(5) var<storage, read> biasDot: array<f32>;      // (C) ḃ
@group(0) @binding(6) var<storage, read_write> out: array<f32>;    // (N, C) the output's tangent
@group(0) @binding(7) var<storage, read_write> normDot: array<f32>; // (N, C) ṅorm

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let row = rowOf(wid, gid, nwg);  // shaders/util/rows.wgsl; uniform per workgroup with WORKGROUP_PER_ROW
  let lane = laneOf(lid);
  let lanes = laneCount();
  if (row >= params.N) { return; }
  let C = params.C;
  let base = row * C;
  let stats = rowMeanRstd(lane, lanes, base);
  let m = stats.x;
  let r = stats.y;
  var acc = vec2<f32>(0.0, 0.0);  // (Σ ẋ, Σ norm·ẋ)
  for (var c = lane; c < C; c += lanes) {
    let xd = inpDot[base + c];
    acc += vec2<f32>(xd, (inp[base + c] - m) * r * xd);
  }
  let means = rowSum(lane, acc) / f32(C);
  for (var c = lane; c < C; c += lanes) {
    let norm = (inp[base + c] - m) * r;
    let nd = r * (inpDot[base + c] - means.x - norm * means.y);
    normDot[base + c] = nd;
    out[base + c] = nd * weight[c] + norm * weightDot[c] + biasDot[c];
  }
}
#endif

#if BACKWARD_INPUT_TANGENT
// The tangent of BACKWARD_INPUT: x, weight and dout move by ẋ, ẇ, ḋout. With g = dout·weight,
// ġ = ḋout·weight + dout·ẇ, A = mean(g), M = mean(g·norm), dx = rstd·(g − A − norm·M):
//   d(dx) = (rstd'/rstd)·dx + rstd·(ġ − mean(ġ) − ṅorm·M − norm·mean(ġ·norm + g·ṅorm))
// with rstd'/rstd = −rstd·mean(norm·ẋ) and ṅorm as in FORWARD_TANGENT (recomputed here from ẋ).
// dinpDot (+)= d(dx) (accumulate: the residual stream's tangent already holds the skip path).
// Same thread mapping and dispatch as FORWARD.
@group(0) @binding(1) var<storage, read> inp: array<f32>;           // (N, C) x
@group(0) @binding(2) var<storage, read> inpDot: array<f32>;        // (N, C) ẋ
@group(0) @binding(3) var<storage, read> weight: array<f32>;        // (C)
@group(0) @binding(4) var<storage, read> weightDot: array<f32>;     // (C) ẇ
@group(0) @binding(5) var<storage, read> dout: array<f32>;          // (N, C) the backward's dout
@group(0) @binding(6) var<storage, read> doutDot: array<f32>;       // (N, C) ḋout
@group(0) @binding(7) var<storage, read_write> dinpDot: array<f32>; // (N, C) d(dx)

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let row = rowOf(wid, gid, nwg);  // shaders/util/rows.wgsl; uniform per workgroup with WORKGROUP_PER_ROW
  let lane = laneOf(lid);
  let lanes = laneCount();
  if (row >= params.N) { return; }
  let C = params.C;
  let base = row * C;
  let stats = rowMeanRstd(lane, lanes, base);
  let m = stats.x;
  let r = stats.y;
  var accX = vec2<f32>(0.0, 0.0);  // (Σ ẋ, Σ norm·ẋ)
  var accG = vec2<f32>(0.0, 0.0);  // (Σ g, Σ g·norm)
  for (var c = lane; c < C; c += lanes) {
    let norm = (inp[base + c] - m) * r;
    let xd = inpDot[base + c];
    let g = dout[base + c] * weight[c];
    accX += vec2<f32>(xd, norm * xd);
    accG += vec2<f32>(g, g * norm);
  }
  let xm = rowSum(lane, accX) / f32(C);
  let gm = rowSum(lane, accG) / f32(C);
  var accD = vec2<f32>(0.0, 0.0);  // (Σ ġ, Σ ġ·norm + g·ṅorm)
  for (var c = lane; c < C; c += lanes) {
    let norm = (inp[base + c] - m) * r;
    let nd = r * (inpDot[base + c] - xm.x - norm * xm.y);
    let g = dout[base + c] * weight[c];
    let gd = doutDot[base + c] * weight[c] + dout[base + c] * weightDot[c];
    accD += vec2<f32>(gd, gd * norm + g * nd);
  }
  let dm = rowSum(lane, accD) / f32(C);
  let rho = -r * xm.y;  // rstd'/rstd
  for (var c = lane; c < C; c += lanes) {
    let norm = (inp[base + c] - m) * r;
    let nd = r * (inpDot[base + c] - xm.x - norm * xm.y);
    let g = dout[base + c] * weight[c];
    let gd = doutDot[base + c] * weight[c] + dout[base + c] * weightDot[c];
    var v = rho * r * (g - gm.x - norm * gm.y) + r * (gd - dm.x - nd * gm.y - norm * dm.y);
    if (params.accumulate != 0u) { v += dinpDot[base + c]; }
    dinpDot[base + c] = v;
  }
}
#endif
