// The quadratic test model L(x) = ½ xᵀ A x with a dense symmetric A (n, n) whose spectrum the
// test chooses, so its Hessian (A) is known exactly (sharpness validation). The n real
// coordinates live at arbitrary offsets of a flat parameter buffer (a ParamLayout with several
// views and zero padding between them): `index[r]` is the flat offset of real coordinate r.
// Gradient entries at padding offsets are never written (they stay 0).
//
// gradient: one thread per real coordinate r: grad[index[r]] = Σ_c A[r, c] · x[index[c]], summed
//   in c order. Dispatch: grid1d(n, WG) (folded past 65535 workgroups).
//   Bindings: 0 params, 1 a (n·n) read, 2 index (n) u32 read, 3 x (P) read, 4 grad (P) read_write
// loss: one thread: losses[0] = ½ Σ_r x[index[r]] · grad[index[r]], in r order (run after gradient).
//   Dispatch: (1, 1, 1).
//   Bindings: 0 params, 1 index (n) u32 read, 2 x (P) read, 3 grad (P) read, 4 losses (1) read_write

struct Params {
  n: u32,  // real coordinates
}

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> params: Params;

@group(0) @binding(1) var<storage, read> a: array<f32>;             // (n, n) row-major, symmetric
@group(0) @binding(2) var<storage, read> index: array<u32>;         // (n) flat offsets
@group(0) @binding(3) var<storage, read> x: array<f32>;             // (P)
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;    // (P)

@compute @workgroup_size(WG)
fn gradient(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG;
  let n = params.n;
  if (r >= n) { return; }
  var acc = 0.0;
  for (var c = 0u; c < n; c++) { acc = fma(a[r * n + c], x[index[c]], acc); }
  grad[index[r]] = acc;
}

@group(0) @binding(1) var<storage, read> lossIndex: array<u32>;      // (n) flat offsets
@group(0) @binding(2) var<storage, read> lossX: array<f32>;          // (P)
@group(0) @binding(3) var<storage, read> lossGrad: array<f32>;       // (P) = A x from `gradient`
@group(0) @binding(4) var<storage, read_write> losses: array<f32>;   // (1)

@compute @workgroup_size(1, 1, 1)
fn loss() {
  var acc = 0.0;
  for (var r = 0u; r < params.n; r++) {
    let at = lossIndex[r];
    acc = fma(lossX[at], lossGrad[at], acc);
  }
  losses[0] = 0.5 * acc;
}
