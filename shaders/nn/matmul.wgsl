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

// Writes the thread's 4×4 block with alpha, beta and bias applied; skips out-of-range cells.
fn storeBlock(cBase: u32, row0: u32, col0: u32, acc: array<array<f32, 4>, 4>) {
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i * WG_Y;
    if (row >= params.M) { continue; }
    for (var j = 0u; j < TN; j++) {
      let col = col0 + j * WG_X;
      if (col >= params.N) { continue; }
      let at = cBase + row * params.N + col;
      var v = params.alpha * acc[i][j];
      if (params.beta != 0.0) { v += params.beta * c[at]; }
#if BIAS
      v += bias[col];
#endif
      c[at] = v;
    }
  }
}

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

  var acc: array<array<f32, 4>, 4>;
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
      var av: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var i = 0u; i < TM; i++) { av[i] = tileA[(lid.y + i * WG_Y) * TILE_K + kk]; }
      for (var j = 0u; j < TN; j++) { bv[j] = tileB[kk * bn + lid.x + j * WG_X]; }
      for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) { acc[i][j] = fma(av[i], bv[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  storeBlock(batch * params.strideC, tileRow0 + lid.y, tileCol0 + lid.x, acc);
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
  var rows: array<u32, 4>;
  var cols: array<u32, 4>;
  for (var i = 0u; i < TM; i++) { rows[i] = min(row0 + i * WG_Y, params.M - 1u); }
  for (var j = 0u; j < TN; j++) { cols[j] = min(col0 + j * WG_X, params.N - 1u); }

  var acc: array<array<f32, 4>, 4>;
  for (var k = 0u; k < params.K; k++) {
    var av: array<f32, 4>;
    var bv: array<f32, 4>;
    for (var i = 0u; i < TM; i++) { av[i] = loadA(aBase, rows[i], k); }
    for (var j = 0u; j < TN; j++) { bv[j] = loadB(bBase, k, cols[j]); }
    for (var i = 0u; i < TM; i++) {
      for (var j = 0u; j < TN; j++) { acc[i][j] = fma(av[i], bv[j], acc[i][j]); }
    }
  }
  storeBlock(batch * params.strideC, row0, col0, acc);
}
#endif
