// The naive matmul, a benchmark baseline only: one thread per output element, no blocking,
// no workgroup memory. C = A·B with A (M,K), B (K,N), C (M,N), all row-major.
//
// Bindings (group 0):
//   0 params  uniform Params
//   1 a       storage read        (M, K)
//   2 b       storage read        (K, N)
//   3 c       storage read_write  (M, N)
// Dispatch: (ceil(N / WG_X), ceil(M / WG_Y), 1); thread (x, y) computes C[y, x].

struct Params {
  M: u32,
  N: u32,
  K: u32,
}

override WG_X: u32 = 16;
override WG_Y: u32 = 16;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x;
  let row = gid.y;
  if (row >= params.M || col >= params.N) { return; }
  var acc = 0.0;
  for (var k = 0u; k < params.K; k++) {
    acc = fma(a[row * params.K + k], b[k * params.N + col], acc);
  }
  c[row * params.N + col] = acc;
}
