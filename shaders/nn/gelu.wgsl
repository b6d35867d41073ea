// GELU, tanh form: gelu(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), forward and backward.
// One thread per element; linear index i = gid.x + gid.y · (num_workgroups.x · WG).
// Dispatch: grid1d(N, WG). Exactly one of FORWARD, BACKWARD is set.

struct Params {
  N: u32,
  accumulate: u32,
}

override WG: u32 = 64;

const GELU_SCALE: f32 = 0.7978845608028654;  // √(2/π)
const GELU_CUBE: f32 = 0.044715;

@group(0) @binding(0) var<uniform> params: Params;

// Evaluated through the identity ½(1 + tanh u) = σ(2u), σ(z) = 1/(1 + e^(−z)), which keeps full
// relative precision in the tails (1 − tanh²u would cancel to noise for x ≲ −4). u is clamped
// to ±40 so e^(±2u) stays finite in f32; σ is then 1 or ~1e−35, the exact f32 answer.
fn inner(x: f32) -> f32 {
  return clamp(GELU_SCALE * (x + GELU_CUBE * x * x * x), -40.0, 40.0);
}

#if FORWARD
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (N)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;    // (N)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.N) { return; }
  let x = inp[i];
  out[i] = x / (1.0 + exp(-2.0 * inner(x)));
}
#endif

#if BACKWARD
// dinp (+)= dout · gelu'(x), gelu'(x) = σ(2u) + 2·x·σ(2u)·σ(−2u)·√(2/π)(1 + 3·0.044715·x²),
// the tanh form's ½(1 + tanh u) + ½·x·(1 − tanh²u)·u' written with σ (1 − tanh²u = 4σ(2u)σ(−2u)).
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (N) forward input
@group(0) @binding(2) var<storage, read> dout: array<f32>;         // (N)
@group(0) @binding(3) var<storage, read_write> dinp: array<f32>;   // (N)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.N) { return; }
  let x = inp[i];
  let u = inner(x);
  let e = exp(-2.0 * u);
  let sp = 1.0 / (1.0 + e);  // σ(2u)
  let sm = e * sp;           // σ(−2u) = e^(−2u)·σ(2u): one exp, and no 1 − sp (that cancels)
  let grad = sp + 2.0 * x * sp * sm * GELU_SCALE * (1.0 + 3.0 * GELU_CUBE * x * x);
  var v = dout[i] * grad;
  if (params.accumulate != 0u) { v += dinp[i]; }
  dinp[i] = v;
}
#endif
