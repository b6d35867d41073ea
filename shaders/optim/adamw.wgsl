// AdamW update over the flat parameter buffer, fused with global gradient-norm clipping and,
// with IRE, the masked amplification of the step (docs/algorithm.md "The update").
//
// Per parameter i (PyTorch's AdamW, bias corrections computed on the host in double):
//   g      = grad[i] · clipScale                      clipScale = min(1, clip / (‖g‖ + 1e-6)), or 1
//   m      = β1·m + (1 − β1)·g
//   v      = β2·v + (1 − β2)·g²
//   θ'     = θ · (1 − lr·wd)            only where decay[i] ≠ 0 (decoupled weight decay)
//   θbase  = θ' − stepSize · m / (sqrt(v) / bc2Sqrt + eps)      stepSize = lr / (1 − β1^t)
//   IRE:   θ = θ + (1 + κ_t·mask[i]) · (θbase − θ)  where κ_t·mask[i] ≠ 0, else θbase itself,
//          so κ = 0 (or mask = 0) runs literally the base expression: bit-identical results.
// ‖g‖² is read from stats[gradNormIndex] (written by the sumsq reduction earlier in the same
// step), so clipping needs no readback.
//
// Thread mapping: one thread per parameter, 1-D grid folded into 2-D (grid1d):
//   i = gid.x + gid.y · (num_workgroups.x · WG).
//
// Bindings (group 0):
//   0 params  uniform Params
//   1 theta   storage read_write  (P) parameters θ
//   2 grad    storage read        (P) gradients
//   3 m       storage read_write  (P) first moment
//   4 v       storage read_write  (P) second moment
//   5 stats   storage read        (≥ gradNormIndex + 1) f32, ‖g‖² at gradNormIndex
//   6 decay   storage read        (P) u32, 1 = decayed, 0 = not (biases, norms, embeddings)
//   7 mask    storage read        (P) u32 IRE flat mask, 1 = boosted          only with IRE

struct Params {
  n: u32,              // P
  gradNormIndex: u32,  // element of stats holding ‖g‖²
  beta1: f32,
  beta2: f32,
  eps: f32,
  decayFactor: f32,    // 1 − lr·wd
  stepSize: f32,       // lr / (1 − β1^t)
  bc2Sqrt: f32,        // sqrt(1 − β2^t)
  clip: f32,           // max global gradient norm, 0 = no clipping
  kappa: f32,          // IRE κ_t (0 when inactive)
}

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> stats: array<f32>;
@group(0) @binding(6) var<storage, read> decay: array<u32>;
#if IRE
@group(0) @binding(7) var<storage, read> mask: array<u32>;
#endif

// clipScale and amplify come from shaders/optim/fusedUpdate.wgsl (appended through `includes`).

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * (nwg.x * WG);
  if (i >= params.n) { return; }
  let g = grad[i] * clipScale();
  let mi = params.beta1 * m[i] + (1.0 - params.beta1) * g;
  let vi = params.beta2 * v[i] + (1.0 - params.beta2) * (g * g);
  m[i] = mi;
  v[i] = vi;
  let old = theta[i];
  let th = select(old, old * params.decayFactor, decay[i] != 0u);
  let base = th - params.stepSize * (mi / (sqrt(vi) / params.bc2Sqrt + params.eps));
  theta[i] = amplify(i, old, base);
}
