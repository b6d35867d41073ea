// Batched matrix product with optional bias, scaling and accumulation:
//
//   C[b] = alpha · op(A[b]) · op(B[b]) + beta · C[b] (+ bias)          for b in 0..batch
//
// op(A) is (M,K): A is stored (M,K) row-major, or (K,M) with TRANS_A.
// op(B) is (K,N): B is stored (K,N) row-major, or (N,K) with TRANS_B (a Linear weight (OC,C)).
// The three layouts of a Linear layer's passes:
//   forward  y  = x · Wᵀ + b   : A = x (BT,C),  B = W (OC,C) TRANS_B
//   backward dx = dy · W       : A = dy (BT,OC), B = W (OC,C)
//   backward dW = dyᵀ · x      : A = dy (BT,OC) TRANS_A, B = x (BT,C), beta = 1 to accumulate
//
// Bindings (group 0):
//   0 params  uniform Params
//   1 a       storage read        (batch, M, K) or (batch, K, M); batch stride strideA elements
//   2 b       storage read        (batch, K, N) or (batch, N, K); batch stride strideB (0 = shared)
//   3 c       storage read_write  (batch, M, N); batch stride strideC
//   4 bias    storage read        (N)            only with BIAS
//
// Two structural variants, chosen per adapter by measuring both (src/nn/matmulTuning.ts):
//   default      register-blocked: a thread owns a 4×4 block of C, rows ty + i·WG_Y and
//                columns tx + j·WG_X of its workgroup's (4·WG_Y)×(4·WG_X) tile, and reads A and
//                B straight from storage. No workgroup memory, no barriers (fast on CPU adapters).
//   SHARED_TILES the same thread mapping, but the workgroup first stages a (4·WG_Y)×TILE_K slice
//                of op(A) and a TILE_K×(4·WG_X) slice of op(B) in workgroup memory (GPUs).
// Dispatch: (ceil(N / (4·WG_X)), ceil(M / (4·WG_Y)), batch).

struct Params {
  M: u32,
  N: u32,
  K: u32,
  batch: u32,
  strideA: u32,
  strideB: u32,
  strideC: u32,
  alpha: f32,
  beta: f32,
}

override WG_X: u32 = 8;
override WG_Y: u32 = 8;
#if SHARED_TILES
override TILE_K: u32 = 16;
#endif

const TM = 4u;
const TN = 4u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
#if BIAS
@group(0) @binding(4) var<storage, read> bias: array<f32>;
#endif

// Element (row, k) of op(A) for batch offset `base`.
fn loadA(base: u32, row: u32, k: u32) -> f32 {
#if TRANS_A
  return a[base + k * params.M + row];
#else
  return a[base + row * params.K + k];
#endif
}

// Element (k, col) of op(B) for batch offset `base`.
fn loadB(base: u32, k: u32, col: u32) -> f32 {
#if TRANS_B
  return b[base + col * params.K + k];
#else
  return b[base + k * params.N + col];
#endif
}

// Writes one row of the thread's 4×4 block (columns col0 + j·WG_X) with alpha, beta and bias
// applied; skips cells outside C.
fn storeRow(cBase: u32, row: u32, col0: u32, acc: vec4<f32>) {
  if (row >= params.M) { return; }
  for (var j = 0u; j < TN; j++) {
    let col = col0 + j * WG_X;
    if (col >= params.N) { continue; }
    let at = cBase + row * params.N + col;
    var v = params.alpha * acc[j];
    if (params.beta != 0.0) { v += params.beta * c[at]; }
#if BIAS
    v += bias[col];
#endif
    c[at] = v;
  }
}

// The 4×4 block lives in four vec4 accumulators (one per row) and every inner-loop value in a
// named scalar or vector: no private arrays indexed in loops, which CPU adapters (SwiftShader's
// JIT) would keep in memory instead of registers.

#if SHARED_TILES
var<workgroup> tileA: array<f32, TM * WG_Y * TILE_K>;  // (4·WG_Y, TILE_K) slice of op(A)
var<workgroup> tileB: array<f32, TILE_K * TN * WG_X>;  // (TILE_K, 4·WG_X) slice of op(B)

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let bm = TM * WG_Y;
  let bn = TN * WG_X;
  let tileRow0 = wid.y * bm;
  let tileCol0 = wid.x * bn;
  let batch = wid.z;
  let aBase = batch * params.strideA;
  let bBase = batch * params.strideB;
  let threads = WG_X * WG_Y;
  let flat = lid.y * WG_X + lid.x;

  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  for (var k0 = 0u; k0 < params.K; k0 += TILE_K) {
    // Stage op(A)[tileRow0.., k0..] and op(B)[k0.., tileCol0..], zero outside the matrix.
    for (var e = flat; e < bm * TILE_K; e += threads) {
#if TRANS_A
      let r = e % bm;  // consecutive threads read consecutive rows: contiguous in (K,M) storage
      let kk = e / bm;
#else
      let r = e / TILE_K;
      let kk = e % TILE_K;
#endif
      let row = tileRow0 + r;
      let k = k0 + kk;
      var v = 0.0;
      if (row < params.M && k < params.K) { v = loadA(aBase, row, k); }
      tileA[r * TILE_K + kk] = v;
    }
    for (var e = flat; e < TILE_K * bn; e += threads) {
#if TRANS_B
      let col = e / TILE_K;
      let kk = e % TILE_K;
#else
      let kk = e / bn;
      let col = e % bn;
#endif
      let gcol = tileCol0 + col;
      let k = k0 + kk;
      var v = 0.0;
      if (gcol < params.N && k < params.K) { v = loadB(bBase, k, gcol); }
      tileB[kk * bn + col] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let ar = kk;
      let a0 = tileA[(lid.y) * TILE_K + ar];
      let a1 = tileA[(lid.y + WG_Y) * TILE_K + ar];
      let a2 = tileA[(lid.y + 2u * WG_Y) * TILE_K + ar];
      let a3 = tileA[(lid.y + 3u * WG_Y) * TILE_K + ar];
      let bRow = kk * bn + lid.x;
      let b = vec4<f32>(tileB[bRow], tileB[bRow + WG_X], tileB[bRow + 2u * WG_X], tileB[bRow + 3u * WG_X]);
      acc0 = fma(vec4<f32>(a0), b, acc0);
      acc1 = fma(vec4<f32>(a1), b, acc1);
      acc2 = fma(vec4<f32>(a2), b, acc2);
      acc3 = fma(vec4<f32>(a3), b, acc3);
    }
    workgroupBarrier();
  }
  let cBase = batch * params.strideC;
  let row0 = tileRow0 + lid.y;
  let col0 = tileCol0 + lid.x;
  storeRow(cBase, row0, col0, acc0);
  storeRow(cBase, row0 + WG_Y, col0, acc1);
  storeRow(cBase, row0 + 2u * WG_Y, col0, acc2);
  storeRow(cBase, row0 + 3u * WG_Y, col0, acc3);
}
#else
@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wid.y * TM * WG_Y + lid.y;
  let col0 = wid.x * TN * WG_X + lid.x;
  let batch = wid.z;
  let aBase = batch * params.strideA;
  let bBase = batch * params.strideB;
  // Out-of-range rows and columns read a clamped (valid) element and are never stored,
  // so the inner loop has no branches.
  let r0 = min(row0, params.M - 1u);
  let r1 = min(row0 + WG_Y, params.M - 1u);
  let r2 = min(row0 + 2u * WG_Y, params.M - 1u);
  let r3 = min(row0 + 3u * WG_Y, params.M - 1u);
  let c0 = min(col0, params.N - 1u);
  let c1 = min(col0 + WG_X, params.N - 1u);
  let c2 = min(col0 + 2u * WG_X, params.N - 1u);
  let c3 = min(col0 + 3u * WG_X, params.N - 1u);

  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  for (var k = 0u; k < params.K; k++) {
    let b = vec4<f32>(loadB(bBase, k, c0), loadB(bBase, k, c1), loadB(bBase, k, c2), loadB(bBase, k, c3));
    acc0 = fma(vec4<f32>(loadA(aBase, r0, k)), b, acc0);
    acc1 = fma(vec4<f32>(loadA(aBase, r1, k)), b, acc1);
    acc2 = fma(vec4<f32>(loadA(aBase, r2, k)), b, acc2);
    acc3 = fma(vec4<f32>(loadA(aBase, r3, k)), b, acc3);
  }
  let cBase = batch * params.strideC;
  storeRow(cBase, row0, col0, acc0);
  storeRow(cBase, row0 + WG_Y, col0, acc1);
  storeRow(cBase, row0 + 2u * WG_Y, col0, acc2);
  storeRow(cBase, row0 + 3u * WG_Y, col0, acc3);
}
#endif
