// Square loss against one-hot targets over V outputs, fused with its backward, for N rows:
//
//   losses[n]    = ½ Σ_c (logits[n, c] − onehot(target)_c)²   (per row, unscaled)
//   dlogits[n,:] = (logits[n, :] − onehot(target)) · scale      (scale = 1/N: mean loss)
//   correct[n]   = 1 if argmax(logits[n, :]) == target else 0   (ties: the lowest index)
//
// A target ≥ V marks an ignored row: loss 0, correct 0 and a zero dlogits row. The Hessian of
// the loss in the logits is scale·I on every other row, so the tangent entry point (exact
// Hessian-vector products) is out = scale·ż there and 0 on ignored rows. One thread per row,
// classes in order: bit-identical results run to run. Defines: GRAD writes dlogits (unset:
// evaluation); TANGENT selects the tangent entry point's bindings.
//
// Bindings (group 0), main:               tangent:
//   0 params   uniform Params               0 params
//   1 logits   storage read  (N, V)         1 (none: the Hessian does not depend on the logits)
//   2 targets  storage read  (N) u32        2 targets
//   3 losses   storage read_write (N)       3 zdot     storage read  (N, V)
//   4 correct  storage read_write (N)       4 out      storage read_write (N, V)
//   5 dlogits  storage read_write (N, V), GRAD only
// Dispatch: grid1d(N, WG).

struct Params {
  N: u32,
  V: u32,
  scale: f32,
}

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> targets: array<u32>;

#if TANGENT
@group(0) @binding(3) var<storage, read> zdot: array<f32>;
@group(0) @binding(4) var<storage, read_write> tangentOut: array<f32>;

@compute @workgroup_size(WG)
fn tangent(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= params.N) { return; }
  let V = params.V;
  let base = row * V;
  let live = targets[row] < V;
  for (var c = 0u; c < V; c++) {
    tangentOut[base + c] = select(0.0, params.scale * zdot[base + c], live);
  }
}
#else
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;
@group(0) @binding(4) var<storage, read_write> correct: array<f32>;
#if GRAD
@group(0) @binding(5) var<storage, read_write> dlogits: array<f32>;
#endif

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= params.N) { return; }
  let V = params.V;
  let base = row * V;
  let label = targets[row];
  if (label >= V) {
    losses[row] = 0.0;
    correct[row] = 0.0;
#if GRAD
    for (var c = 0u; c < V; c++) { dlogits[base + c] = 0.0; }
#endif
    return;
  }
  var sum = 0.0;
  var best = logits[base];
  var arg = 0u;
  for (var c = 0u; c < V; c++) {
    let z = logits[base + c];
    if (z > best) {
      best = z;
      arg = c;
    }
    let r = z - select(0.0, 1.0, c == label);
    sum += r * r;
#if GRAD
    dlogits[base + c] = r * params.scale;
#endif
  }
  losses[row] = 0.5 * sum;
  correct[row] = select(0.0, 1.0, arg == label);
}
#endif
