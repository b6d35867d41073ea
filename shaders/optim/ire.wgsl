// IRE's Hessian-diagonal estimate from the gradient of the loss against labels sampled from the
// model's own softmax (docs/algorithm.md "The flat mask", Gauss-Newton-Bartlett as in Sophia):
//   hNew = g⊙g (SQUARE form) or |g| (ABS form; same ranking)
//   h    = β·h + (1 − β)·hNew, and h = hNew exactly when β = 0 (the first estimate always uses
//          β = 0, so no stale zeros are averaged in).
// One thread per parameter, grid1d folding: i = gid.x + gid.y·(num_workgroups.x·WG).
//
// Bindings (group 0):
//   0 params  uniform Params
//   1 grad    storage read        (P) gradient against the sampled labels
//   2 h       storage read_write  (P) estimate, ≥ 0

struct Params {
  n: u32,        // P
  absForm: u32,  // 1 = |g|, 0 = g²
  beta: f32,     // EMA factor β in [0, 1)
}

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> h: array<f32>;

@compute @workgroup_size(WG, 1, 1)
fn estimate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * (nwg.x * WG);
  if (i >= params.n) { return; }
  let g = grad[i];
  let hNew = select(g * g, abs(g), params.absForm != 0u);
  if (params.beta == 0.0) {
    h[i] = hNew;
  } else {
    h[i] = params.beta * h[i] + (1.0 - params.beta) * hNew;
  }
}
