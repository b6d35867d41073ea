// SGD with momentum (optionally Nesterov) over the flat parameter buffer, as PyTorch's SGD
// (dampening 0; weight decay coupled into the gradient, as torch.optim.SGD does, which is what
// the IRE authors' CNN runs used), fused with global gradient-norm clipping and the IRE
// masked amplification.
//
// Per parameter i:
//   d     = grad[i] · clipScale  (+ wd·θ where decay[i] ≠ 0)
//   b     = μ·b + d                       (b starts at 0, so step 1 gives b = d as PyTorch)
//   d     = d + μ·b  (Nesterov)  or  b
//   θbase = θ − lr·d
//   IRE:  θ = θ + (1 + κ_t·mask[i])·(θbase − θ) where κ_t·mask[i] ≠ 0, else θbase (bit-identical at κ = 0)
//
// Thread mapping: one thread per parameter, grid1d folding: i = gid.x + gid.y·(num_workgroups.x·WG).
//
// Bindings (group 0):
//   0 params    uniform Params
//   1 theta     storage read_write  (P) parameters θ
//   2 grad      storage read        (P) gradients
//   3 momentum  storage read_write  (P) momentum buffer b
//   4 stats     storage read        (≥ gradNormIndex + 1) f32, ‖g‖² at gradNormIndex
//   5 decay     storage read        (P) u32, 1 = decayed
//   6 mask      storage read        (P) u32 IRE flat mask                      only with IRE

struct Params {
  n: u32,              // P
  gradNormIndex: u32,  // element of stats holding ‖g‖²
  nesterov: u32,       // 1 = Nesterov momentum
  lr: f32,
  momentum: f32,       // μ
  weightDecay: f32,
  clip: f32,           // max global gradient norm, 0 = no clipping
  kappa: f32,          // IRE κ_t (0 when inactive)
}

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> momentum: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<storage, read> decay: array<u32>;
#if IRE
@group(0) @binding(6) var<storage, read> mask: array<u32>;
#endif

// clipScale and amplify come from shaders/optim/fusedUpdate.wgsl (appended through `includes`).

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * (nwg.x * WG);
  if (i >= params.n) { return; }
  let old = theta[i];
  let g = grad[i] * clipScale();
  var d = select(g, g + params.weightDecay * old, decay[i] != 0u);
  let b = params.momentum * momentum[i] + d;
  momentum[i] = b;
  if (params.nesterov != 0u) { d = d + params.momentum * b; } else { d = b; }
  let base = old - params.lr * d;
  theta[i] = amplify(i, old, base);
}
