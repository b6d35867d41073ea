// SAM's ascent step (Foret et al.): save θ, then move to θ + ρ·g/‖g‖ where the second gradient
// is taken. The restore is a plain buffer copy of `saved` back into θ (exact, unlike θ − e).
// ‖g‖² is read from stats[gradNormIndex] (the sumsq reduction of the first gradient).
//
// Thread mapping: one thread per parameter, grid1d folding: i = gid.x + gid.y·(num_workgroups.x·WG).
//
// Bindings (group 0):
//   0 params  uniform Params
//   1 theta   storage read_write  (P) parameters θ, perturbed in place
//   2 grad    storage read        (P) gradient at θ
//   3 saved   storage read_write  (P) copy of θ for the restore
//   4 stats   storage read        (≥ gradNormIndex + 1) f32, ‖g‖² at gradNormIndex

struct Params {
  n: u32,              // P
  gradNormIndex: u32,  // element of stats holding ‖g‖²
  rho: f32,            // SAM radius ρ
}

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> saved: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * (nwg.x * WG);
  if (i >= params.n) { return; }
  let scale = params.rho / (sqrt(stats[params.gradNormIndex]) + 1e-12);
  let th = theta[i];
  saved[i] = th;
  theta[i] = th + grad[i] * scale;
}
