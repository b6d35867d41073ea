// Causal multi-head self-attention, forward and backward, as four small fused kernels, and two
// passes for their tangents. Exactly one of SCORES, VALUES, BACKWARD_SCORES, BACKWARD_QKV,
// SCORES_TANGENT, BACKWARD_SCORES_TANGENT is set (one pass per build).
//
// qkv (B, T, 3C) holds q, k, v concatenated along channels (one linear layer's output); head h
// uses channels h·HS … h·HS + HS − 1 of each, HS = C / NH. With scale = 1/√HS:
//   att[b,h,t,t2] = softmax_{t2 ≤ t}(scale · q[b,t,h]·k[b,t2,h])    zero for t2 > t (causal)
//   out[b,t,h,:]  = Σ_{t2 ≤ t} att[b,h,t,t2] · v[b,t2,h,:]
// Backward, with dp = dout·v and datt the gradient of the pre-softmax dot products:
//   datt[b,h,t,t2] = scale · att·(dp − Σ_j att[..,j]·dp[..,j])
//   dq[t] = Σ_{t2 ≤ t} datt[t,t2]·k[t2],  dk[t2] = Σ_{t ≥ t2} datt[t,t2]·q[t],  dv[t2] = Σ_{t ≥ t2} att[t,t2]·dout[t]
// Positions after t are never read when computing row t, so a future token cannot change an
// earlier output (tested bit for bit). Every sum runs in a fixed order inside one thread: no
// atomics, bit-identical runs. Why fused per-thread loops rather than batched matmuls: at the
// playground's sizes (T ≤ 256, HS 8–64) a row fits one thread's loop, the causal half is
// skipped for free, and the SwiftShader adapter runs these barrier-free loops well.
//
// Register blocking: a thread owns 4 consecutive query rows t0 … t0+3 (t0 = 4·tq, TQ = ⌈T/4⌉
// row blocks), and in VALUES / BACKWARD_QKV also 4 consecutive head channels d0 … d0+3
// (DQ = ⌈HS/4⌉ channel blocks). Its sums live in named vec4 accumulators: 8 reads feed 16 FMAs,
// where one row per thread needed 2 reads per FMA (every storage read is a per-lane gather on
// CPU adapters). Rows and channels past the end are read clamped and never written. Blocks
// reach up to 4 keys past the diagonal; those products are either dropped (scores) or multiply
// an exact zero of att/datt above the diagonal (fma(0, x, s) = s), so every sum has the same
// terms, in the same order, as the one-row loop.
//
// Linear thread index (all passes): i = gid.x + gid.y · (num_workgroups.x · WG).

struct Params {
  B: u32,
  T: u32,
  C: u32,
  NH: u32,
  scale: f32,
}

override WG: u32 = 64;

// Row offset of (b, t) in a (B, T, width) tensor, t clamped to T − 1.
fn rowAt(b: u32, t: u32, width: u32) -> u32 {
  return (b * params.T + min(t, params.T - 1u)) * width;
}

@group(0) @binding(0) var<uniform> params: Params;

#if SCORES
// One thread per block of 4 query rows (b, h, tq), i = (b·NH + h)·TQ + tq: scores against keys
// in blocks of 4 (4×4 dot products per channel step), each row's running max, then per row:
// exp, normalise, zeros after the diagonal, written in place in att. Dispatch: grid1d(B·NH·TQ, WG).
@group(0) @binding(1) var<storage, read> qkv: array<f32>;          // (B, T, 3C)
@group(0) @binding(2) var<storage, read_write> att: array<f32>;    // (B, NH, T, T)

// Writes the scores s of keys t2 … t2+3 into att row `row` of query t, keeping only t2+j ≤ t;
// returns the max of mx and the kept scores.
fn keepScores(row: u32, t: u32, t2: u32, s: vec4<f32>, mx: f32) -> f32 {
  if (t >= params.T || t2 > t) { return mx; }
  var m = mx;
  att[row + t2] = s.x;
  m = max(m, s.x);
  if (t2 + 1u <= t) { att[row + t2 + 1u] = s.y; m = max(m, s.y); }
  if (t2 + 2u <= t) { att[row + t2 + 2u] = s.z; m = max(m, s.z); }
  if (t2 + 3u <= t) { att[row + t2 + 3u] = s.w; m = max(m, s.w); }
  return m;
}

// Softmax of att row `row` of query t in place over t2 ≤ t (max mx), zeros after.
fn softmaxRow(row: u32, t: u32, mx: f32) {
  if (t >= params.T) { return; }
  var sum = 0.0;
  for (var t2 = 0u; t2 <= t; t2++) {
    let e = exp(att[row + t2] - mx);
    att[row + t2] = e;
    sum += e;
  }
  let inv = 1.0 / sum;
  for (var t2 = 0u; t2 <= t; t2++) { att[row + t2] *= inv; }
  for (var t2 = t + 1u; t2 < params.T; t2++) { att[row + t2] = 0.0; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let T = params.T;
  let NH = params.NH;
  let TQ = (T + 3u) / 4u;
  if (i >= params.B * NH * TQ) { return; }
  let t0 = 4u * (i % TQ);
  let h = (i / TQ) % NH;
  let b = i / (TQ * NH);
  let C = params.C;
  let HS = C / NH;
  let C3 = 3u * C;
  let q0 = rowAt(b, t0, C3) + h * HS;
  let q1 = rowAt(b, t0 + 1u, C3) + h * HS;
  let q2 = rowAt(b, t0 + 2u, C3) + h * HS;
  let q3 = rowAt(b, t0 + 3u, C3) + h * HS;
  let row0 = ((b * NH + h) * T + t0) * T;  // att row of query t0; row t0+i is row0 + i·T
  var mx0 = -3.0e38;
  var mx1 = -3.0e38;
  var mx2 = -3.0e38;
  var mx3 = -3.0e38;
  let tEnd = min(t0 + 4u, T);
  for (var t2 = 0u; t2 < tEnd; t2 += 4u) {
    let k0 = rowAt(b, t2, C3) + C + h * HS;
    let k1 = rowAt(b, t2 + 1u, C3) + C + h * HS;
    let k2 = rowAt(b, t2 + 2u, C3) + C + h * HS;
    let k3 = rowAt(b, t2 + 3u, C3) + C + h * HS;
    var s0 = vec4<f32>();  // query t0 against keys t2 … t2+3
    var s1 = vec4<f32>();
    var s2 = vec4<f32>();
    var s3 = vec4<f32>();
    for (var d = 0u; d < HS; d++) {
      let k = vec4<f32>(qkv[k0 + d], qkv[k1 + d], qkv[k2 + d], qkv[k3 + d]);
      s0 = fma(vec4<f32>(qkv[q0 + d]), k, s0);
      s1 = fma(vec4<f32>(qkv[q1 + d]), k, s1);
      s2 = fma(vec4<f32>(qkv[q2 + d]), k, s2);
      s3 = fma(vec4<f32>(qkv[q3 + d]), k, s3);
    }
    mx0 = keepScores(row0, t0, t2, s0 * params.scale, mx0);
    mx1 = keepScores(row0 + T, t0 + 1u, t2, s1 * params.scale, mx1);
    mx2 = keepScores(row0 + 2u * T, t0 + 2u, t2, s2 * params.scale, mx2);
    mx3 = keepScores(row0 + 3u * T, t0 + 3u, t2, s3 * params.scale, mx3);
  }
  softmaxRow(row0, t0, mx0);
  softmaxRow(row0 + T, t0 + 1u, mx1);
  softmaxRow(row0 + 2u * T, t0 + 2u, mx2);
  softmaxRow(row0 + 3u * T, t0 + 3u, mx3);
}
#endif

#if VALUES
// One thread per 4 rows × 4 channels (b, h, tq, dq), i = ((b·NH + h)·TQ + tq)·DQ + dq: the
// weighted sums of v over t2 < min(t0 + 4, T) (att is zero after each row's diagonal).
// Dispatch: grid1d(B·NH·TQ·DQ, WG).
@group(0) @binding(1) var<storage, read> qkv: array<f32>;          // (B, T, 3C)
@group(0) @binding(2) var<storage, read> att: array<f32>;          // (B, NH, T, T)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;    // (B, T, C)

// Writes channels d0 … d0+3 (those < HS) of row t from o, at out[at …].
fn storeChannels(at: u32, t: u32, n: u32, o: vec4<f32>) {
  if (t >= params.T) { return; }
  out[at] = o.x;
  if (n > 1u) { out[at + 1u] = o.y; }
  if (n > 2u) { out[at + 2u] = o.z; }
  if (n > 3u) { out[at + 3u] = o.w; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let T = params.T;
  let NH = params.NH;
  let C = params.C;
  let HS = C / NH;
  let TQ = (T + 3u) / 4u;
  let DQ = (HS + 3u) / 4u;
  if (i >= params.B * NH * TQ * DQ) { return; }
  let d0 = 4u * (i % DQ);
  let t0 = 4u * ((i / DQ) % TQ);
  let h = (i / (DQ * TQ)) % NH;
  let b = i / (DQ * TQ * NH);
  let C3 = 3u * C;
  let lastT = T - 1u;
  let head = (b * NH + h) * T;  // first att row of this head
  let a0 = (head + min(t0, lastT)) * T;
  let a1 = (head + min(t0 + 1u, lastT)) * T;
  let a2 = (head + min(t0 + 2u, lastT)) * T;
  let a3 = (head + min(t0 + 3u, lastT)) * T;
  let vCol = 2u * C + h * HS;
  let e0 = vCol + d0;
  let e1 = vCol + min(d0 + 1u, HS - 1u);
  let e2 = vCol + min(d0 + 2u, HS - 1u);
  let e3 = vCol + min(d0 + 3u, HS - 1u);
  var o0 = vec4<f32>();  // row t0, channels d0 … d0+3
  var o1 = vec4<f32>();
  var o2 = vec4<f32>();
  var o3 = vec4<f32>();
  let tEnd = min(t0 + 4u, T);
  for (var t2 = 0u; t2 < tEnd; t2++) {
    let vRow = (b * T + t2) * C3;
    let v = vec4<f32>(qkv[vRow + e0], qkv[vRow + e1], qkv[vRow + e2], qkv[vRow + e3]);
    o0 = fma(vec4<f32>(att[a0 + t2]), v, o0);
    o1 = fma(vec4<f32>(att[a1 + t2]), v, o1);
    o2 = fma(vec4<f32>(att[a2 + t2]), v, o2);
    o3 = fma(vec4<f32>(att[a3 + t2]), v, o3);
  }
  let n = min(4u, HS - d0);
  let at = (b * T + t0) * C + h * HS + d0;
  storeChannels(at, t0, n, o0);
  storeChannels(at + C, t0 + 1u, n, o1);
  storeChannels(at + 2u * C, t0 + 2u, n, o2);
  storeChannels(at + 3u * C, t0 + 3u, n, o3);
}
#endif

#if BACKWARD_SCORES
// One thread per block of 4 query rows (b, h, tq), as in SCORES: dp = dout·v against values in
// blocks of 4 (kept in the datt rows) with each row's Σ att·dp, then per row
// datt = scale·att·(dp − Σ att·dp); zero for t2 > t. Dispatch: grid1d(B·NH·TQ, WG).
@group(0) @binding(1) var<storage, read> qkv: array<f32>;          // (B, T, 3C)
@group(0) @binding(2) var<storage, read> att: array<f32>;          // (B, NH, T, T)
@group(0) @binding(3) var<storage, read> dout: array<f32>;         // (B, T, C)
@group(0) @binding(4) var<storage, read_write> datt: array<f32>;   // (B, NH, T, T) scratch

// Writes dp of keys t2 … t2+3 into datt row `row` of query t, keeping only t2+j ≤ t; returns
// sum + Σ att·dp over the kept ones, in key order.
fn keepDp(row: u32, t: u32, t2: u32, dp: vec4<f32>, sum: f32) -> f32 {
  if (t >= params.T || t2 > t) { return sum; }
  var s = sum;
  datt[row + t2] = dp.x;
  s = fma(att[row + t2], dp.x, s);
  if (t2 + 1u <= t) { datt[row + t2 + 1u] = dp.y; s = fma(att[row + t2 + 1u], dp.y, s); }
  if (t2 + 2u <= t) { datt[row + t2 + 2u] = dp.z; s = fma(att[row + t2 + 2u], dp.z, s); }
  if (t2 + 3u <= t) { datt[row + t2 + 3u] = dp.w; s = fma(att[row + t2 + 3u], dp.w, s); }
  return s;
}

// datt row `row` of query t: scale·att·(dp − sum) for t2 ≤ t, zeros after.
fn finishRow(row: u32, t: u32, sum: f32) {
  if (t >= params.T) { return; }
  for (var t2 = 0u; t2 <= t; t2++) {
    datt[row + t2] = params.scale * att[row + t2] * (datt[row + t2] - sum);
  }
  for (var t2 = t + 1u; t2 < params.T; t2++) { datt[row + t2] = 0.0; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let T = params.T;
  let NH = params.NH;
  let TQ = (T + 3u) / 4u;
  if (i >= params.B * NH * TQ) { return; }
  let t0 = 4u * (i % TQ);
  let h = (i / TQ) % NH;
  let b = i / (TQ * NH);
  let C = params.C;
  let HS = C / NH;
  let C3 = 3u * C;
  let g0 = rowAt(b, t0, C) + h * HS;
  let g1 = rowAt(b, t0 + 1u, C) + h * HS;
  let g2 = rowAt(b, t0 + 2u, C) + h * HS;
  let g3 = rowAt(b, t0 + 3u, C) + h * HS;
  let row0 = ((b * NH + h) * T + t0) * T;
  var sum0 = 0.0;
  var sum1 = 0.0;
  var sum2 = 0.0;
  var sum3 = 0.0;
  let tEnd = min(t0 + 4u, T);
  for (var t2 = 0u; t2 < tEnd; t2 += 4u) {
    let v0 = rowAt(b, t2, C3) + 2u * C + h * HS;
    let v1 = rowAt(b, t2 + 1u, C3) + 2u * C + h * HS;
    let v2 = rowAt(b, t2 + 2u, C3) + 2u * C + h * HS;
    let v3 = rowAt(b, t2 + 3u, C3) + 2u * C + h * HS;
    var p0 = vec4<f32>();  // query t0 against values t2 … t2+3
    var p1 = vec4<f32>();
    var p2 = vec4<f32>();
    var p3 = vec4<f32>();
    for (var d = 0u; d < HS; d++) {
      let v = vec4<f32>(qkv[v0 + d], qkv[v1 + d], qkv[v2 + d], qkv[v3 + d]);
      p0 = fma(vec4<f32>(dout[g0 + d]), v, p0);
      p1 = fma(vec4<f32>(dout[g1 + d]), v, p1);
      p2 = fma(vec4<f32>(dout[g2 + d]), v, p2);
      p3 = fma(vec4<f32>(dout[g3 + d]), v, p3);
    }
    sum0 = keepDp(row0, t0, t2, p0, sum0);
    sum1 = keepDp(row0 + T, t0 + 1u, t2, p1, sum1);
    sum2 = keepDp(row0 + 2u * T, t0 + 2u, t2, p2, sum2);
    sum3 = keepDp(row0 + 3u * T, t0 + 3u, t2, p3, sum3);
  }
  finishRow(row0, t0, sum0);
  finishRow(row0 + T, t0 + 1u, sum1);
  finishRow(row0 + 2u * T, t0 + 2u, sum2);
  finishRow(row0 + 3u * T, t0 + 3u, sum3);
}
#endif

#if BACKWARD_QKV
// One thread per 4 rows × 4 channels (b, h, tq, dq), as in VALUES: dq from rows t of datt
// (t2 < t0 + 4), dk and dv from columns t of datt and att (rows t1 ≥ t0; entries with t1 < t
// are above the diagonal, exactly zero). Writes all of dqkv. Dispatch: grid1d(B·NH·TQ·DQ, WG).
@group(0) @binding(1) var<storage, read> qkv: array<f32>;          // (B, T, 3C)
@group(0) @binding(2) var<storage, read> att: array<f32>;          // (B, NH, T, T)
@group(0) @binding(3) var<storage, read> datt: array<f32>;         // (B, NH, T, T)
@group(0) @binding(4) var<storage, read> dout: array<f32>;         // (B, T, C)
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>;   // (B, T, 3C)

// Writes channels d0 … d0+3 (those < HS) of row t's dq, dk and dv; `at` is the dq offset.
fn storeGrads(at: u32, t: u32, n: u32, dq: vec4<f32>, dk: vec4<f32>, dv: vec4<f32>) {
  if (t >= params.T) { return; }
  let C = params.C;
  dqkv[at] = dq.x;
  dqkv[at + C] = dk.x;
  dqkv[at + 2u * C] = dv.x;
  if (n > 1u) { dqkv[at + 1u] = dq.y; dqkv[at + C + 1u] = dk.y; dqkv[at + 2u * C + 1u] = dv.y; }
  if (n > 2u) { dqkv[at + 2u] = dq.z; dqkv[at + C + 2u] = dk.z; dqkv[at + 2u * C + 2u] = dv.z; }
  if (n > 3u) { dqkv[at + 3u] = dq.w; dqkv[at + C + 3u] = dk.w; dqkv[at + 2u * C + 3u] = dv.w; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let T = params.T;
  let NH = params.NH;
  let C = params.C;
  let HS = C / NH;
  let TQ = (T + 3u) / 4u;
  let DQ = (HS + 3u) / 4u;
  if (i >= params.B * NH * TQ * DQ) { return; }
  let d0 = 4u * (i % DQ);
  let t0 = 4u * ((i / DQ) % TQ);
  let h = (i / (DQ * TQ)) % NH;
  let b = i / (DQ * TQ * NH);
  let C3 = 3u * C;
  let lastT = T - 1u;
  let head = (b * NH + h) * T;  // first row of this head's (T, T) block
  // Channel offsets (clamped to the head) of channels d0 … d0+3 within a q, k, v or dout row.
  let e0 = h * HS + d0;
  let e1 = h * HS + min(d0 + 1u, HS - 1u);
  let e2 = h * HS + min(d0 + 2u, HS - 1u);
  let e3 = h * HS + min(d0 + 3u, HS - 1u);
  // dq: rows t0 … t0+3 of datt against k.
  let r0 = (head + min(t0, lastT)) * T;
  let r1 = (head + min(t0 + 1u, lastT)) * T;
  let r2 = (head + min(t0 + 2u, lastT)) * T;
  let r3 = (head + min(t0 + 3u, lastT)) * T;
  var dq0 = vec4<f32>();
  var dq1 = vec4<f32>();
  var dq2 = vec4<f32>();
  var dq3 = vec4<f32>();
  let tEnd = min(t0 + 4u, T);
  for (var t2 = 0u; t2 < tEnd; t2++) {
    let kRow = (b * T + t2) * C3 + C;
    let k = vec4<f32>(qkv[kRow + e0], qkv[kRow + e1], qkv[kRow + e2], qkv[kRow + e3]);
    dq0 = fma(vec4<f32>(datt[r0 + t2]), k, dq0);
    dq1 = fma(vec4<f32>(datt[r1 + t2]), k, dq1);
    dq2 = fma(vec4<f32>(datt[r2 + t2]), k, dq2);
    dq3 = fma(vec4<f32>(datt[r3 + t2]), k, dq3);
  }
  // dk, dv: columns t0 … t0+3 of datt and att against q and dout, rows t1 ≥ t0.
  let col0 = min(t0, lastT);
  let col1 = min(t0 + 1u, lastT);
  let col2 = min(t0 + 2u, lastT);
  let col3 = min(t0 + 3u, lastT);
  var dk0 = vec4<f32>();
  var dk1 = vec4<f32>();
  var dk2 = vec4<f32>();
  var dk3 = vec4<f32>();
  var dv0 = vec4<f32>();
  var dv1 = vec4<f32>();
  var dv2 = vec4<f32>();
  var dv3 = vec4<f32>();
  for (var t1 = t0; t1 < T; t1++) {
    let at = (head + t1) * T;
    let qRow = (b * T + t1) * C3;
    let q = vec4<f32>(qkv[qRow + e0], qkv[qRow + e1], qkv[qRow + e2], qkv[qRow + e3]);
    let gRow = (b * T + t1) * C;
    let g = vec4<f32>(dout[gRow + e0], dout[gRow + e1], dout[gRow + e2], dout[gRow + e3]);
    dk0 = fma(vec4<f32>(datt[at + col0]), q, dk0);
    dk1 = fma(vec4<f32>(datt[at + col1]), q, dk1);
    dk2 = fma(vec4<f32>(datt[at + col2]), q, dk2);
    dk3 = fma(vec4<f32>(datt[at + col3]), q, dk3);
    dv0 = fma(vec4<f32>(att[at + col0]), g, dv0);
    dv1 = fma(vec4<f32>(att[at + col1]), g, dv1);
    dv2 = fma(vec4<f32>(att[at + col2]), g, dv2);
    dv3 = fma(vec4<f32>(att[at + col3]), g, dv3);
  }
  let n = min(4u, HS - d0);
  let o = (b * T + t0) * C3 + h * HS + d0;
  storeGrads(o, t0, n, dq0, dk0, dv0);
  storeGrads(o + C3, t0 + 1u, n, dq1, dk1, dv1);
  storeGrads(o + 2u * C3, t0 + 2u, n, dq2, dk2, dv2);
  storeGrads(o + 3u * C3, t0 + 3u, n, dq3, dk3, dv3);
}
#endif

// ---- Tangents (forward-over-reverse, for exact Hessian-vector products; docs/algorithm.md
// "Sharpness"): a dot is the derivative along a direction, qkvDot the tangent of qkv. The
// weighted sums are linear in each factor, so their tangents are the passes above run twice
// with a tangent in place of one factor (src/nn/attention.ts); only the softmax rows need these
// two. Both use one thread per query row (b, h, t), i = (b·NH + h)·T + t, whose att row starts
// at i·T; positions after t are never read, and the row is written zero after t, as the
// weighted-sum passes expect. Dispatch: grid1d(B·NH·T, WG).

#if SCORES_TANGENT
// The tangent of SCORES: with s = scale·q[t]·k[t2] and att = softmax_{t2 ≤ t}(s),
//   ṡ[t,t2]    = scale·(q̇[t]·k[t2] + q[t]·k̇[t2])
//   attDot[t,t2] = att·(ṡ − Σ_{j ≤ t} att[t,j]·ṡ[t,j])      t2 ≤ t, zero after
// ṡ is kept in the attDot row until the row's sum is known.
@group(0) @binding(1) var<storage, read> qkv: array<f32>;           // (B, T, 3C)
@group(0) @binding(2) var<storage, read> qkvDot: array<f32>;        // (B, T, 3C)
@group(0) @binding(3) var<storage, read> att: array<f32>;           // (B, NH, T, T)
@group(0) @binding(4) var<storage, read_write> attDot: array<f32>;  // (B, NH, T, T)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let T = params.T;
  let NH = params.NH;
  if (i >= params.B * NH * T) { return; }
  let t = i % T;
  let h = (i / T) % NH;
  let b = i / (T * NH);
  let C = params.C;
  let HS = C / NH;
  let C3 = 3u * C;
  let qRow = (b * T + t) * C3 + h * HS;
  let row = i * T;
  var sum = 0.0;
  for (var t2 = 0u; t2 <= t; t2++) {
    let kRow = (b * T + t2) * C3 + C + h * HS;
    var d = 0.0;
    for (var e = 0u; e < HS; e++) {
      d = fma(qkvDot[qRow + e], qkv[kRow + e], d);
      d = fma(qkv[qRow + e], qkvDot[kRow + e], d);
    }
    let sd = params.scale * d;
    attDot[row + t2] = sd;
    sum = fma(att[row + t2], sd, sum);
  }
  for (var t2 = 0u; t2 <= t; t2++) { attDot[row + t2] = att[row + t2] * (attDot[row + t2] - sum); }
  for (var t2 = t + 1u; t2 < T; t2++) { attDot[row + t2] = 0.0; }
}
#endif

#if BACKWARD_SCORES_TANGENT
// The tangent of BACKWARD_SCORES: with dp[t,t2] = dout[t]·v[t2], S = Σ_{j ≤ t} att·dp and
// datt = scale·att·(dp − S),
//   ḋp  = ḋout[t]·v[t2] + dout[t]·v̇[t2],  Ṡ = Σ_{j ≤ t} (att'·dp + att·ḋp)
//   dattDot[t,t2] = scale·(att'·(dp − S) + att·(ḋp − Ṡ))      t2 ≤ t, zero after
// ḋp is kept in the dattDot row until the sums are known; dp is computed again in the second loop
// (in the same order, so to the same bits).
@group(0) @binding(1) var<storage, read> qkv: array<f32>;            // (B, T, 3C)
@group(0) @binding(2) var<storage, read> qkvDot: array<f32>;         // (B, T, 3C)
@group(0) @binding(3) var<storage, read> att: array<f32>;            // (B, NH, T, T)
@group(0) @binding(4) var<storage, read> attDot: array<f32>;         // (B, NH, T, T) att'
@group(0) @binding(5) var<storage, read> dout: array<f32>;           // (B, T, C)
@group(0) @binding(6) var<storage, read> doutDot: array<f32>;        // (B, T, C)
@group(0) @binding(7) var<storage, read_write> dattDot: array<f32>;  // (B, NH, T, T)

// dout[t]·v[t2] of one head, HS channels from gRow and vRow.
fn dotDoutV(gRow: u32, vRow: u32, HS: u32) -> f32 {
  var d = 0.0;
  for (var e = 0u; e < HS; e++) { d = fma(dout[gRow + e], qkv[vRow + e], d); }
  return d;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let T = params.T;
  let NH = params.NH;
  if (i >= params.B * NH * T) { return; }
  let t = i % T;
  let h = (i / T) % NH;
  let b = i / (T * NH);
  let C = params.C;
  let HS = C / NH;
  let C3 = 3u * C;
  let gRow = (b * T + t) * C + h * HS;
  let row = i * T;
  var s = 0.0;
  var sd = 0.0;
  for (var t2 = 0u; t2 <= t; t2++) {
    let vRow = (b * T + t2) * C3 + 2u * C + h * HS;
    var dp = 0.0;
    var dpd = 0.0;
    for (var e = 0u; e < HS; e++) {
      let v = qkv[vRow + e];
      dp = fma(dout[gRow + e], v, dp);
      dpd = fma(doutDot[gRow + e], v, dpd);
      dpd = fma(dout[gRow + e], qkvDot[vRow + e], dpd);
    }
    dattDot[row + t2] = dpd;
    s = fma(att[row + t2], dp, s);
    sd = fma(attDot[row + t2], dp, fma(att[row + t2], dpd, sd));
  }
  for (var t2 = 0u; t2 <= t; t2++) {
    let dp = dotDoutV(gRow, (b * T + t2) * C3 + 2u * C + h * HS, HS);
    dattDot[row + t2] = params.scale * (attDot[row + t2] * (dp - s) + att[row + t2] * (dattDot[row + t2] - sd));
  }
  for (var t2 = t + 1u; t2 < T; t2++) { dattDot[row + t2] = 0.0; }
}
#endif
