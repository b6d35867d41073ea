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
//   default      register-blocked: a thread owns an 8×8 block of C, rows ty + i·WG_Y and
//                columns tx + j·WG_X of its workgroup's (8·WG_Y)×(8·WG_X) tile, and reads A and
//                B straight from storage. No workgroup memory, no barriers (fast on CPU adapters,
//                where every storage read is a per-lane gather: 16 reads feed 64 FMAs per k).
//                Dispatch: (ceil(N / (8·WG_X)), ceil(M / (8·WG_Y)), batch).
//   SHARED_TILES a thread owns a 4×4 block (same mapping with 4 for 8), and the workgroup first
//                stages a (4·WG_Y)×TILE_K slice of op(A) and a TILE_K×(4·WG_X) slice of op(B) in
//                workgroup memory (GPUs). Dispatch: (ceil(N / (4·WG_X)), ceil(M / (4·WG_Y)), batch).

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

// Rows and columns of C per thread in the SHARED_TILES variant.
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

// Writes four cells of one row of the thread's block (columns col0 + j·WG_X, j < 4) with alpha, beta and bias
// applied; skips cells outside C.
fn storeRow(cBase: u32, row: u32, col0: u32, acc: vec4<f32>) {
  if (row >= params.M) { return; }
  for (var j = 0u; j < 4u; j++) {
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
// Four columns of op(B) at row k, as one vector (the thread's c0…c3 or c4…c7).
fn loadB4(base: u32, k: u32, c0: u32, c1: u32, c2: u32, c3: u32) -> vec4<f32> {
  return vec4<f32>(loadB(base, k, c0), loadB(base, k, c1), loadB(base, k, c2), loadB(base, k, c3));
}

// Accumulators: row i of the 8×8 block is accIl (columns 0–3) and accIh (columns 4–7).
@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wid.y * 8u * WG_Y + lid.y;
  let col0 = wid.x * 8u * WG_X + lid.x;
  let batch = wid.z;
  let aBase = batch * params.strideA;
  let bBase = batch * params.strideB;
  // Out-of-range rows and columns read a clamped (valid) element and are never stored,
  // so the inner loop has no branches.
  let lastRow = params.M - 1u;
  let r0 = min(row0, lastRow);
  let r1 = min(row0 + WG_Y, lastRow);
  let r2 = min(row0 + 2u * WG_Y, lastRow);
  let r3 = min(row0 + 3u * WG_Y, lastRow);
  let r4 = min(row0 + 4u * WG_Y, lastRow);
  let r5 = min(row0 + 5u * WG_Y, lastRow);
  let r6 = min(row0 + 6u * WG_Y, lastRow);
  let r7 = min(row0 + 7u * WG_Y, lastRow);
  let lastCol = params.N - 1u;
  let c0 = min(col0, lastCol);
  let c1 = min(col0 + WG_X, lastCol);
  let c2 = min(col0 + 2u * WG_X, lastCol);
  let c3 = min(col0 + 3u * WG_X, lastCol);
  let c4 = min(col0 + 4u * WG_X, lastCol);
  let c5 = min(col0 + 5u * WG_X, lastCol);
  let c6 = min(col0 + 6u * WG_X, lastCol);
  let c7 = min(col0 + 7u * WG_X, lastCol);

  var acc0l = vec4<f32>();
  var acc0h = vec4<f32>();
  var acc1l = vec4<f32>();
  var acc1h = vec4<f32>();
  var acc2l = vec4<f32>();
  var acc2h = vec4<f32>();
  var acc3l = vec4<f32>();
  var acc3h = vec4<f32>();
  var acc4l = vec4<f32>();
  var acc4h = vec4<f32>();
  var acc5l = vec4<f32>();
  var acc5h = vec4<f32>();
  var acc6l = vec4<f32>();
  var acc6h = vec4<f32>();
  var acc7l = vec4<f32>();
  var acc7h = vec4<f32>();
  for (var k = 0u; k < params.K; k++) {
    let bl = loadB4(bBase, k, c0, c1, c2, c3);
    let bh = loadB4(bBase, k, c4, c5, c6, c7);
    let a0 = vec4<f32>(loadA(aBase, r0, k));
    acc0l = fma(a0, bl, acc0l);
    acc0h = fma(a0, bh, acc0h);
    let a1 = vec4<f32>(loadA(aBase, r1, k));
    acc1l = fma(a1, bl, acc1l);
    acc1h = fma(a1, bh, acc1h);
    let a2 = vec4<f32>(loadA(aBase, r2, k));
    acc2l = fma(a2, bl, acc2l);
    acc2h = fma(a2, bh, acc2h);
    let a3 = vec4<f32>(loadA(aBase, r3, k));
    acc3l = fma(a3, bl, acc3l);
    acc3h = fma(a3, bh, acc3h);
    let a4 = vec4<f32>(loadA(aBase, r4, k));
    acc4l = fma(a4, bl, acc4l);
    acc4h = fma(a4, bh, acc4h);
    let a5 = vec4<f32>(loadA(aBase, r5, k));
    acc5l = fma(a5, bl, acc5l);
    acc5h = fma(a5, bh, acc5h);
    let a6 = vec4<f32>(loadA(aBase, r6, k));
    acc6l = fma(a6, bl, acc6l);
    acc6h = fma(a6, bh, acc6h);
    let a7 = vec4<f32>(loadA(aBase, r7, k));
    acc7l = fma(a7, bl, acc7l);
    acc7h = fma(a7, bh, acc7h);
  }
  let cBase = batch * params.strideC;
  let colH = col0 + 4u * WG_X;
  storeRow(cBase, row0, col0, acc0l);
  storeRow(cBase, row0, colH, acc0h);
  storeRow(cBase, row0 + WG_Y, col0, acc1l);
  storeRow(cBase, row0 + WG_Y, colH, acc1h);
  storeRow(cBase, row0 + 2u * WG_Y, col0, acc2l);
  storeRow(cBase, row0 + 2u * WG_Y, colH, acc2h);
  storeRow(cBase, row0 + 3u * WG_Y, col0, acc3l);
  storeRow(cBase, row0 + 3u * WG_Y, colH, acc3h);
  storeRow(cBase, row0 + 4u * WG_Y, col0, acc4l);
  storeRow(cBase, row0 + 4u * WG_Y, colH, acc4h);
  storeRow(cBase, row0 + 5u * WG_Y, col0, acc5l);
  storeRow(cBase, row0 + 5u * WG_Y, colH, acc5h);
  storeRow(cBase, row0 + 6u * WG_Y, col0, acc6l);
  storeRow(cBase, row0 + 6u * WG_Y, colH, acc6h);
  storeRow(cBase, row0 + 7u * WG_Y, col0, acc7l);
  storeRow(cBase, row0 + 7u * WG_Y, colH, acc7h);
}
#endif
