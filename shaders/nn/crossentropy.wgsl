// Softmax cross-entropy over V classes fused with its backward, for N rows (N = B·T or B):
//
//   losses[n]    = logsumexp(logits[n, :]) − logits[n, target]     (per row, unscaled)
//   dlogits[n,:] = (softmax(logits[n, :]) − onehot(target)) · scale (scale = 1/N: mean loss)
//   correct[n]   = 1 if argmax(logits[n, :]) == target else 0      (ties: the lowest index)
//
// Numerically stable: exponentials are taken of logits − row max. A target ≥ V marks an ignored
// row (like PyTorch's ignore_index): loss 0, correct 0 and a zero dlogits row; it never indexes
// out of bounds. Defines: GRAD writes dlogits (unset: only losses and correct, for evaluation);
// with GRAD, either SEPARATE_GRAD (into their own buffer) or IN_PLACE (over the logits, which
// saves an (N, V) buffer).
//
// Thread mapping (src/nn/rowVariant.ts):
//   default            one thread per row, loops over the V classes in order, no barriers
//                      (far faster on the SwiftShader CPU adapter).
//   WORKGROUP_PER_ROW  one workgroup of WG threads (a power of two) per row; thread lane handles
//                      classes lane, lane + WG, …; row max/argmax and the sum of exponentials are
//                      fixed-order trees in workgroup memory (coalesced; long rows on GPUs).
// Either way every sum has a fixed order: bit-identical results run to run.
//
// Bindings (group 0):
//   0 params   uniform Params
//   1 logits   storage read (read_write with IN_PLACE)  (N, V)
//   2 targets  storage read        (N) u32
//   3 losses   storage read_write  (N)
//   4 correct  storage read_write  (N)
//   5 dlogits  storage read_write  (N, V)   SEPARATE_GRAD only
// Dispatch: grid1d(N, WG), or grid1d(N, 1) with WORKGROUP_PER_ROW.

struct Params {
  N: u32,
  V: u32,
  scale: f32,
}

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> params: Params;
#if IN_PLACE
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;
#else
@group(0) @binding(1) var<storage, read> logits: array<f32>;
#endif
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;
@group(0) @binding(4) var<storage, read_write> correct: array<f32>;
#if SEPARATE_GRAD
@group(0) @binding(5) var<storage, read_write> dlogits: array<f32>;
#endif

struct MaxArg {
  value: f32,
  index: u32,
}

#if WORKGROUP_PER_ROW
var<workgroup> maxValue: array<f32, WG>;
var<workgroup> maxIndex: array<u32, WG>;
var<workgroup> sums: array<f32, WG>;

// Row max and its lowest index over the workgroup: a tree over lanes (ties → lower index).
fn rowMaxArg(lane: u32, m: MaxArg) -> MaxArg {
  maxValue[lane] = m.value;
  maxIndex[lane] = m.index;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lane < half) {
      let ov = maxValue[lane + half];
      let oi = maxIndex[lane + half];
      if (ov > maxValue[lane] || (ov == maxValue[lane] && oi < maxIndex[lane])) {
        maxValue[lane] = ov;
        maxIndex[lane] = oi;
      }
    }
    workgroupBarrier();
  }
  return MaxArg(maxValue[0], maxIndex[0]);
}

// Row sum over the workgroup: a tree over lanes. Its barriers also order every lane's reads of
// the row before any lane's writes that follow (needed IN_PLACE).
fn rowSum(lane: u32, v: f32) -> f32 {
  sums[lane] = v;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lane < half) { sums[lane] += sums[lane + half]; }
    workgroupBarrier();
  }
  return sums[0];
}
#else
// One thread per row: its own loops already covered the whole row.
fn rowMaxArg(lane: u32, m: MaxArg) -> MaxArg {
  return m;
}

fn rowSum(lane: u32, v: f32) -> f32 {
  return v;
}
#endif

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
  let V = params.V;
  let base = row * V;
  let tgt = targets[row];
  let valid = tgt < V;

  // 1. Row max and its first index (strict > keeps the lowest index within a lane's scan).
  var m = MaxArg(-3.0e38, V);
  for (var c = lane; c < V; c += lanes) {
    let l = logits[base + c];
    if (l > m.value) { m = MaxArg(l, c); }
  }
  m = rowMaxArg(lane, m);
  let rowMax = m.value;

  // 2. Σ exp(logit − max), and the target logit read before any lane overwrites (IN_PLACE).
  var s = 0.0;
  for (var c = lane; c < V; c += lanes) { s += exp(logits[base + c] - rowMax); }
  var targetLogit = 0.0;
  if (valid) { targetLogit = logits[base + tgt]; }
  let sum = rowSum(lane, s);

  if (lane == 0u) {
    if (valid) {
      losses[row] = log(sum) + (rowMax - targetLogit);  // the difference first: exact for close values
      correct[row] = select(0.0, 1.0, m.index == tgt);
    } else {
      losses[row] = 0.0;
      correct[row] = 0.0;
    }
  }

#if GRAD
  // 3. dlogits for this lane's classes (each lane writes only what it alone read in 2).
  let inv = 1.0 / sum;
  for (var c = lane; c < V; c += lanes) {
    var g = 0.0;
    if (valid) {
      g = (exp(logits[base + c] - rowMax) * inv - select(0.0, 1.0, c == tgt)) * params.scale;
    }
#if IN_PLACE
    logits[base + c] = g;
#else
    dlogits[base + c] = g;
#endif
  }
#endif
}

// tangent: the directional derivative of dlogits along a tangent of the logits (forward-over-
// reverse, for exact Hessian-vector products; docs/algorithm.md "Sharpness"):
//
//   out[n,:] = scale · (p ⊙ ż − p · (pᵀż)),   p = softmax(logits[n, :]), ż = zdot[n, :]
//
// the product of the softmax Jacobian diag(p) − ppᵀ with ż (the one-hot term is constant).
// Ignored rows (target ≥ V) have a zero dlogits row, so a zero tangent. One thread per row,
// classes in order (fixed-order sums: bit-identical run to run).
// Bindings (group 0):
//   0 params   uniform Params (N, V, scale)
//   1 logits   storage read        (N, V)
//   2 targets  storage read        (N) u32
//   3 zdot     storage read        (N, V)
//   4 out      storage read_write  (N, V)
// Dispatch: grid1d(N, WG).
#if TANGENT
@group(0) @binding(3) var<storage, read> zdot: array<f32>;
@group(0) @binding(4) var<storage, read_write> tangentOut: array<f32>;

@compute @workgroup_size(WG)
fn tangent(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= params.N) { return; }
  let V = params.V;
  let base = row * V;
  if (targets[row] >= V) {
    for (var c = 0u; c < V; c++) { tangentOut[base + c] = 0.0; }
    return;
  }
  var rowMax = -3.0e38;
  for (var c = 0u; c < V; c++) { rowMax = max(rowMax, logits[base + c]); }
  var sum = 0.0;
  var dotPz = 0.0;
  for (var c = 0u; c < V; c++) {
    let e = exp(logits[base + c] - rowMax);
    sum += e;
    dotPz += e * zdot[base + c];
  }
  let inv = 1.0 / sum;
  let mean = dotPz * inv; // pᵀż
  for (var c = 0u; c < V; c++) {
    let p = exp(logits[base + c] - rowMax) * inv;
    tangentOut[base + c] = params.scale * p * (zdot[base + c] - mean);
  }
}
#endif
