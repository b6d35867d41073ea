// Causal multi-head self-attention, forward and backward, as four small fused kernels.
// Exactly one of SCORES, VALUES, BACKWARD_SCORES, BACKWARD_QKV is set (one pass per build).
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
// Linear thread index (all passes): i = gid.x + gid.y · (num_workgroups.x · WG).

struct Params {
  B: u32,
  T: u32,
  C: u32,
  NH: u32,
  scale: f32,
}

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> params: Params;

#if SCORES
// One thread per query row (b, h, t), i = (b·NH + h)·T + t: scores, max, exp, normalise,
// written in place in its att row. Dispatch: grid1d(B·NH·T, WG).
@group(0) @binding(1) var<storage, read> qkv: array<f32>;          // (B, T, 3C)
@group(0) @binding(2) var<storage, read_write> att: array<f32>;    // (B, NH, T, T)

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
  let qBase = (b * T + t) * C3 + h * HS;
  let row = i * T;
  var mx = -3.0e38;
  for (var t2 = 0u; t2 <= t; t2++) {
    let kBase = (b * T + t2) * C3 + C + h * HS;
    var dot = 0.0;
    for (var d = 0u; d < HS; d++) { dot = fma(qkv[qBase + d], qkv[kBase + d], dot); }
    let s = dot * params.scale;
    att[row + t2] = s;
    mx = max(mx, s);
  }
  var sum = 0.0;
  for (var t2 = 0u; t2 <= t; t2++) {
    let e = exp(att[row + t2] - mx);
    att[row + t2] = e;
    sum += e;
  }
  let inv = 1.0 / sum;
  for (var t2 = 0u; t2 <= t; t2++) { att[row + t2] *= inv; }
  for (var t2 = t + 1u; t2 < T; t2++) { att[row + t2] = 0.0; }
}
#endif

#if VALUES
// One thread per output element (b, t, c), c = h·HS + d: the weighted sum of v over t2 ≤ t.
// Dispatch: grid1d(B·T·C, WG).
@group(0) @binding(1) var<storage, read> qkv: array<f32>;          // (B, T, 3C)
@group(0) @binding(2) var<storage, read> att: array<f32>;          // (B, NH, T, T)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;    // (B, T, C)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let T = params.T;
  let C = params.C;
  if (i >= params.B * T * C) { return; }
  let c = i % C;
  let t = (i / C) % T;
  let b = i / (C * T);
  let h = c / (C / params.NH);
  let C3 = 3u * C;
  let row = ((b * params.NH + h) * T + t) * T;
  var s = 0.0;
  for (var t2 = 0u; t2 <= t; t2++) {
    s = fma(att[row + t2], qkv[(b * T + t2) * C3 + 2u * C + c], s);
  }
  out[i] = s;
}
#endif

#if BACKWARD_SCORES
// One thread per query row (b, h, t), as in SCORES: dp over t2 ≤ t (kept in the datt row),
// then datt = scale·att·(dp − Σ att·dp); zero for t2 > t. Dispatch: grid1d(B·NH·T, WG).
@group(0) @binding(1) var<storage, read> qkv: array<f32>;          // (B, T, 3C)
@group(0) @binding(2) var<storage, read> att: array<f32>;          // (B, NH, T, T)
@group(0) @binding(3) var<storage, read> dout: array<f32>;         // (B, T, C)
@group(0) @binding(4) var<storage, read_write> datt: array<f32>;   // (B, NH, T, T) scratch

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
  let dBase = (b * T + t) * C + h * HS;
  let row = i * T;
  var sum = 0.0;
  for (var t2 = 0u; t2 <= t; t2++) {
    let vBase = (b * T + t2) * C3 + 2u * C + h * HS;
    var dp = 0.0;
    for (var d = 0u; d < HS; d++) { dp = fma(dout[dBase + d], qkv[vBase + d], dp); }
    datt[row + t2] = dp;
    sum = fma(att[row + t2], dp, sum);
  }
  for (var t2 = 0u; t2 <= t; t2++) {
    datt[row + t2] = params.scale * att[row + t2] * (datt[row + t2] - sum);
  }
  for (var t2 = t + 1u; t2 < T; t2++) { datt[row + t2] = 0.0; }
}
#endif

#if BACKWARD_QKV
// One thread per (b, t, c), c = h·HS + d: dq from row t of datt, dk and dv from column t of
// datt and att (rows t1 ≥ t). Writes all of dqkv. Dispatch: grid1d(B·T·C, WG).
@group(0) @binding(1) var<storage, read> qkv: array<f32>;          // (B, T, 3C)
@group(0) @binding(2) var<storage, read> att: array<f32>;          // (B, NH, T, T)
@group(0) @binding(3) var<storage, read> datt: array<f32>;         // (B, NH, T, T)
@group(0) @binding(4) var<storage, read> dout: array<f32>;         // (B, T, C)
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>;   // (B, T, 3C)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let T = params.T;
  let C = params.C;
  if (i >= params.B * T * C) { return; }
  let c = i % C;
  let t = (i / C) % T;
  let b = i / (C * T);
  let h = c / (C / params.NH);
  let C3 = 3u * C;
  let head = (b * params.NH + h) * T;  // first row of this head's (T, T) block
  var dq = 0.0;
  for (var t2 = 0u; t2 <= t; t2++) {
    dq = fma(datt[(head + t) * T + t2], qkv[(b * T + t2) * C3 + C + c], dq);
  }
  var dk = 0.0;
  var dv = 0.0;
  for (var t1 = t; t1 < T; t1++) {
    let at = (head + t1) * T + t;
    dk = fma(datt[at], qkv[(b * T + t1) * C3 + c], dk);
    dv = fma(att[at], dout[(b * T + t1) * C + c], dv);
  }
  let o = (b * T + t) * C3 + c;
  dqkv[o] = dq;
  dqkv[o + C] = dk;
  dqkv[o + 2u * C] = dv;
}
#endif
