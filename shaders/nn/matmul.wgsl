#if QUAD_SHARED
enable subgroups;
#endif
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
//   5 act     storage read_write  like c         only with GELU_OUT: act = gelu(C) (C keeps the pre-activation)
//   5 pre     storage read        like c         only with GELU_GRAD: C = alpha·op(A)·op(B)·gelu'(pre) + beta·C
// The GELU epilogues fuse a Linear layer with the GELU after it (forward: fc then gelu) or
// before it (backward: dinp of the next layer times gelu' of the pre-activation); gelu and
// geluGrad come from shaders/nn/geluMath.wgsl, appended through the pipeline's `includes`.
//
// Three structural variants, chosen per adapter by measuring them (src/nn/matmulTuning.ts):
//   default      register-blocked: a thread owns an 8×8 block of C, rows ty + i·WG_Y and
//                columns tx + j·WG_X of its workgroup's (8·WG_Y)×(8·WG_X) tile, and reads A and
//                B straight from storage. No workgroup memory, no barriers (fast on CPU adapters,
//                where every storage read is a per-lane gather: 16 reads feed 64 FMAs per k).
//                Dispatch: (ceil(N / (8·WG_X)), ceil(M / (8·WG_Y)), batch).
//   SHARED_TILES a thread owns a 4×4 block (same mapping with 4 for 8), and the workgroup first
//                stages a (4·WG_Y)×TILE_K slice of op(A) and a TILE_K×(4·WG_X) slice of op(B) in
//                workgroup memory (GPUs). Dispatch: (ceil(N / (4·WG_X)), ceil(M / (4·WG_Y)), batch).
//   QUAD_SHARED  (needs the `subgroups` feature) a thread owns a 32×8 block: rows ty + i·WG_Y,
//                i < 32, columns tx + j·WG_X, j < 8. The four lanes of a subgroup quad are
//                consecutive tx of one ty, so they need the same 32 rows of op(A): for each run
//                of four k, lane q reads op(A) at k + q only and quadBroadcast hands every lane
//                the other three (8 reads of op(A) per k instead of 32; CPU adapters, where a
//                storage read is a per-lane gather and a quad broadcast a register shuffle).
//                The products are summed in the same order as the default variant (one fma per
//                k, k ascending), so both give the same bits. The start-up measurement checks
//                the quad assumption against the default variant before choosing this one.
//                Dispatch: (ceil(N / (8·WG_X)), ceil(M / (32·WG_Y)), batch).

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
#if GELU_OUT
@group(0) @binding(5) var<storage, read_write> act: array<f32>;
#endif
#if GELU_GRAD
@group(0) @binding(5) var<storage, read> pre: array<f32>;
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
#if GELU_GRAD
    v *= geluGrad(pre[at]);
#endif
    if (params.beta != 0.0) { v += params.beta * c[at]; }
#if BIAS
    v += bias[col];
#endif
    c[at] = v;
#if GELU_OUT
    act[at] = gelu(v);
#endif
  }
}

// Four columns of op(B) at row k, as one vector (c0…c3 already clamped; the register-blocked and
// quad variants read a thread's c0…c3 or c4…c7 this way).
fn loadB4(base: u32, k: u32, c0: u32, c1: u32, c2: u32, c3: u32) -> vec4<f32> {
  return vec4<f32>(loadB(base, k, c0), loadB(base, k, c1), loadB(base, k, c2), loadB(base, k, c3));
}

// The 4×4 block lives in four vec4 accumulators (one per row) and every inner-loop value in a
// named scalar or vector: no private arrays indexed in loops, which CPU adapters (SwiftShader's
// JIT) would keep in memory instead of registers.

#if QUAD_SHARED
// Four rows of op(A) at k: rows row, row + WG_Y, row + 2·WG_Y, row + 3·WG_Y, each clamped to
// the last row (clamped rows are computed but never stored).
fn loadA4(base: u32, row: u32, k: u32) -> vec4<f32> {
  let last = params.M - 1u;
  return vec4<f32>(
    loadA(base, min(row, last), k),
    loadA(base, min(row + WG_Y, last), k),
    loadA(base, min(row + 2u * WG_Y, last), k),
    loadA(base, min(row + 3u * WG_Y, last), k));
}

// One k of a group of four rows: column i of lo/hi is row i's columns 0–3/4–7, a holds the four
// rows' op(A) values, bl/bh the eight columns' op(B) values.
fn macGroup(a: vec4<f32>, bl: vec4<f32>, bh: vec4<f32>, lo: ptr<function, mat4x4<f32>>, hi: ptr<function, mat4x4<f32>>) {
  (*lo)[0] = fma(vec4<f32>(a.x), bl, (*lo)[0]);
  (*hi)[0] = fma(vec4<f32>(a.x), bh, (*hi)[0]);
  (*lo)[1] = fma(vec4<f32>(a.y), bl, (*lo)[1]);
  (*hi)[1] = fma(vec4<f32>(a.y), bh, (*hi)[1]);
  (*lo)[2] = fma(vec4<f32>(a.z), bl, (*lo)[2]);
  (*hi)[2] = fma(vec4<f32>(a.z), bh, (*hi)[2]);
  (*lo)[3] = fma(vec4<f32>(a.w), bl, (*lo)[3]);
  (*hi)[3] = fma(vec4<f32>(a.w), bh, (*hi)[3]);
}

// Stores a group of four rows (row, row + WG_Y, …) of the thread's block.
fn storeGroup(cBase: u32, row: u32, col0: u32, lo: mat4x4<f32>, hi: mat4x4<f32>) {
  let colH = col0 + 4u * WG_X;
  storeRow(cBase, row, col0, lo[0]);
  storeRow(cBase, row, colH, hi[0]);
  storeRow(cBase, row + WG_Y, col0, lo[1]);
  storeRow(cBase, row + WG_Y, colH, hi[1]);
  storeRow(cBase, row + 2u * WG_Y, col0, lo[2]);
  storeRow(cBase, row + 2u * WG_Y, colH, hi[2]);
  storeRow(cBase, row + 3u * WG_Y, col0, lo[3]);
  storeRow(cBase, row + 3u * WG_Y, colH, hi[3]);
}

// Accumulators: rows 4g…4g+3 of the 32×8 block are accGl (columns 0–3) and accGh (4–7).
// No branch inside the k loops: on CPU adapters a branch spills every live value.
@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let row0 = wid.y * 32u * WG_Y + lid.y;
  let col0 = wid.x * 8u * WG_X + lid.x;
  let batch = wid.z;
  let aBase = batch * params.strideA;
  let bBase = batch * params.strideB;
  let quadLane = lane & 3u;
  let g = 4u * WG_Y;  // row step between groups
  let lastCol = params.N - 1u;
  let c0 = min(col0, lastCol);
  let c1 = min(col0 + WG_X, lastCol);
  let c2 = min(col0 + 2u * WG_X, lastCol);
  let c3 = min(col0 + 3u * WG_X, lastCol);
  let c4 = min(col0 + 4u * WG_X, lastCol);
  let c5 = min(col0 + 5u * WG_X, lastCol);
  let c6 = min(col0 + 6u * WG_X, lastCol);
  let c7 = min(col0 + 7u * WG_X, lastCol);

  var acc0l = mat4x4<f32>();
  var acc0h = mat4x4<f32>();
  var acc1l = mat4x4<f32>();
  var acc1h = mat4x4<f32>();
  var acc2l = mat4x4<f32>();
  var acc2h = mat4x4<f32>();
  var acc3l = mat4x4<f32>();
  var acc3h = mat4x4<f32>();
  var acc4l = mat4x4<f32>();
  var acc4h = mat4x4<f32>();
  var acc5l = mat4x4<f32>();
  var acc5h = mat4x4<f32>();
  var acc6l = mat4x4<f32>();
  var acc6h = mat4x4<f32>();
  var acc7l = mat4x4<f32>();
  var acc7h = mat4x4<f32>();
  // Runs of four k: lane q of the quad reads op(A) at k + q for the 32 rows. The four k of a
  // run are written out by hand: quadBroadcast takes a constant lane, and a loop over them
  // would put a branch inside the k loop.
  let K4 = params.K & ~3u;
  for (var k = 0u; k < K4; k += 4u) {
    let kq = k + quadLane;
    let q0 = loadA4(aBase, row0, kq);
    let q1 = loadA4(aBase, row0 + g, kq);
    let q2 = loadA4(aBase, row0 + 2u * g, kq);
    let q3 = loadA4(aBase, row0 + 3u * g, kq);
    let q4 = loadA4(aBase, row0 + 4u * g, kq);
    let q5 = loadA4(aBase, row0 + 5u * g, kq);
    let q6 = loadA4(aBase, row0 + 6u * g, kq);
    let q7 = loadA4(aBase, row0 + 7u * g, kq);
    // k
    var bl = loadB4(bBase, k, c0, c1, c2, c3);
    var bh = loadB4(bBase, k, c4, c5, c6, c7);
    macGroup(quadBroadcast(q0, 0u), bl, bh, &acc0l, &acc0h);
    macGroup(quadBroadcast(q1, 0u), bl, bh, &acc1l, &acc1h);
    macGroup(quadBroadcast(q2, 0u), bl, bh, &acc2l, &acc2h);
    macGroup(quadBroadcast(q3, 0u), bl, bh, &acc3l, &acc3h);
    macGroup(quadBroadcast(q4, 0u), bl, bh, &acc4l, &acc4h);
    macGroup(quadBroadcast(q5, 0u), bl, bh, &acc5l, &acc5h);
    macGroup(quadBroadcast(q6, 0u), bl, bh, &acc6l, &acc6h);
    macGroup(quadBroadcast(q7, 0u), bl, bh, &acc7l, &acc7h);
    // k + 1
    bl = loadB4(bBase, k + 1u, c0, c1, c2, c3);
    bh = loadB4(bBase, k + 1u, c4, c5, c6, c7);
    macGroup(quadBroadcast(q0, 1u), bl, bh, &acc0l, &acc0h);
    macGroup(quadBroadcast(q1, 1u), bl, bh, &acc1l, &acc1h);
    macGroup(quadBroadcast(q2, 1u), bl, bh, &acc2l, &acc2h);
    macGroup(quadBroadcast(q3, 1u), bl, bh, &acc3l, &acc3h);
    macGroup(quadBroadcast(q4, 1u), bl, bh, &acc4l, &acc4h);
    macGroup(quadBroadcast(q5, 1u), bl, bh, &acc5l, &acc5h);
    macGroup(quadBroadcast(q6, 1u), bl, bh, &acc6l, &acc6h);
    macGroup(quadBroadcast(q7, 1u), bl, bh, &acc7l, &acc7h);
    // k + 2
    bl = loadB4(bBase, k + 2u, c0, c1, c2, c3);
    bh = loadB4(bBase, k + 2u, c4, c5, c6, c7);
    macGroup(quadBroadcast(q0, 2u), bl, bh, &acc0l, &acc0h);
    macGroup(quadBroadcast(q1, 2u), bl, bh, &acc1l, &acc1h);
    macGroup(quadBroadcast(q2, 2u), bl, bh, &acc2l, &acc2h);
    macGroup(quadBroadcast(q3, 2u), bl, bh, &acc3l, &acc3h);
    macGroup(quadBroadcast(q4, 2u), bl, bh, &acc4l, &acc4h);
    macGroup(quadBroadcast(q5, 2u), bl, bh, &acc5l, &acc5h);
    macGroup(quadBroadcast(q6, 2u), bl, bh, &acc6l, &acc6h);
    macGroup(quadBroadcast(q7, 2u), bl, bh, &acc7l, &acc7h);
    // k + 3
    bl = loadB4(bBase, k + 3u, c0, c1, c2, c3);
    bh = loadB4(bBase, k + 3u, c4, c5, c6, c7);
    macGroup(quadBroadcast(q0, 3u), bl, bh, &acc0l, &acc0h);
    macGroup(quadBroadcast(q1, 3u), bl, bh, &acc1l, &acc1h);
    macGroup(quadBroadcast(q2, 3u), bl, bh, &acc2l, &acc2h);
    macGroup(quadBroadcast(q3, 3u), bl, bh, &acc3l, &acc3h);
    macGroup(quadBroadcast(q4, 3u), bl, bh, &acc4l, &acc4h);
    macGroup(quadBroadcast(q5, 3u), bl, bh, &acc5l, &acc5h);
    macGroup(quadBroadcast(q6, 3u), bl, bh, &acc6l, &acc6h);
    macGroup(quadBroadcast(q7, 3u), bl, bh, &acc7l, &acc7h);
  }
  // The last K mod 4 values of k, read by every lane.
  for (var k = K4; k < params.K; k++) {
    let bl = loadB4(bBase, k, c0, c1, c2, c3);
    let bh = loadB4(bBase, k, c4, c5, c6, c7);
    macGroup(loadA4(aBase, row0, k), bl, bh, &acc0l, &acc0h);
    macGroup(loadA4(aBase, row0 + g, k), bl, bh, &acc1l, &acc1h);
    macGroup(loadA4(aBase, row0 + 2u * g, k), bl, bh, &acc2l, &acc2h);
    macGroup(loadA4(aBase, row0 + 3u * g, k), bl, bh, &acc3l, &acc3h);
    macGroup(loadA4(aBase, row0 + 4u * g, k), bl, bh, &acc4l, &acc4h);
    macGroup(loadA4(aBase, row0 + 5u * g, k), bl, bh, &acc5l, &acc5h);
    macGroup(loadA4(aBase, row0 + 6u * g, k), bl, bh, &acc6l, &acc6h);
    macGroup(loadA4(aBase, row0 + 7u * g, k), bl, bh, &acc7l, &acc7h);
  }
  let cBase = batch * params.strideC;
  storeGroup(cBase, row0, col0, acc0l, acc0h);
  storeGroup(cBase, row0 + g, col0, acc1l, acc1h);
  storeGroup(cBase, row0 + 2u * g, col0, acc2l, acc2h);
  storeGroup(cBase, row0 + 3u * g, col0, acc3l, acc3h);
  storeGroup(cBase, row0 + 4u * g, col0, acc4l, acc4h);
  storeGroup(cBase, row0 + 5u * g, col0, acc5l, acc5h);
  storeGroup(cBase, row0 + 6u * g, col0, acc6l, acc6h);
  storeGroup(cBase, row0 + 7u * g, col0, acc7l, acc7h);
}
#elif SHARED_TILES
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
