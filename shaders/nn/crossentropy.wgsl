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
// One workgroup per row (row = wid.x + wid.y · num_workgroups.x), WG threads (a power of two);
// thread lid handles classes lid, lid + WG, … Row max/argmax and the sum of exponentials are
// fixed-order tree reductions in workgroup memory: bit-identical results run to run.
//
// Bindings (group 0):
//   0 params   uniform Params
//   1 logits   storage read (read_write with IN_PLACE)  (N, V)
//   2 targets  storage read        (N) u32
//   3 losses   storage read_write  (N)
//   4 correct  storage read_write  (N)
//   5 dlogits  storage read_write  (N, V)   SEPARATE_GRAD only
// Dispatch: grid1d(N, 1).

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

var<workgroup> maxValue: array<f32, WG>;
var<workgroup> maxIndex: array<u32, WG>;
var<workgroup> sums: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.N) { return; }
  let V = params.V;
  let base = row * V;
  let tgt = targets[row];
  let valid = tgt < V;

  // 1. Row max and its first index: per-thread strided scan, then a tree (ties → lower index).
  var mv = -3.0e38;
  var mi = V;
  for (var c = lid; c < V; c += WG) {
    let l = logits[base + c];
    if (l > mv) { mv = l; mi = c; }
  }
  maxValue[lid] = mv;
  maxIndex[lid] = mi;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) {
      let ov = maxValue[lid + half];
      let oi = maxIndex[lid + half];
      if (ov > maxValue[lid] || (ov == maxValue[lid] && oi < maxIndex[lid])) {
        maxValue[lid] = ov;
        maxIndex[lid] = oi;
      }
    }
    workgroupBarrier();
  }
  let rowMax = maxValue[0];
  let argmax = maxIndex[0];

  // 2. Σ exp(logit − max), and the target logit read before any thread overwrites (IN_PLACE).
  var s = 0.0;
  for (var c = lid; c < V; c += WG) { s += exp(logits[base + c] - rowMax); }
  var targetLogit = 0.0;
  if (valid) { targetLogit = logits[base + tgt]; }
  sums[lid] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) { sums[lid] += sums[lid + half]; }
    workgroupBarrier();
  }
  let sum = sums[0];

  if (lid == 0u) {
    if (valid) {
      losses[row] = log(sum) + (rowMax - targetLogit);  // the difference first: exact for close values
      correct[row] = select(0.0, 1.0, argmax == tgt);
    } else {
      losses[row] = 0.0;
      correct[row] = 0.0;
    }
  }

#if GRAD
  // 3. dlogits for this thread's classes (each thread writes only what it alone read in 2).
  let inv = 1.0 / sum;
  for (var c = lid; c < V; c += WG) {
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
