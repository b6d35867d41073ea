// Two-pass deterministic reductions of a large f32 buffer to one value written at an element
// offset of an output buffer (so many metrics can share one small buffer read back at once).
//
//   op       map(x)   combine     identity
//   sum      x        a + b       0
//   sumsq    x·x      a + b       0          (SQUARE)
//   max      x        max(a, b)   -FLT_MAX   (IS_MAX)
//   maxabs   |x|      max(a, b)   0          (IS_MAX + ABS)
//
// Pass 1 (default, entry `main`): G workgroups of WG threads (G ≤ 65535, so no grid folding).
//   Thread t of workgroup w visits i = w·WG + t, then + G·WG, … (a grid-stride loop), combining
//   in that order; the workgroup then combines its WG values by a fixed binary tree in
//   workgroup memory and thread 0 writes partials[w].
// Pass 2 (FINAL, entry `main`): one workgroup; thread t combines partials t, t + WG, …, then the
//   same tree; thread 0 writes out[outIndex].
// Every order is fixed by (n, G, WG): the same inputs give the same bits. WG must be a power of two.
//
// Bindings (group 0):
//   0 params    uniform Params
//   pass 1: 1 x        storage read        (n)
//           2 partials storage read_write  (G)
//   pass 2: 1 partials storage read        (G)
//           2 out      storage read_write  (≥ outIndex + 1)

struct Params {
  n: u32,         // pass 1: elements of x; pass 2: G, the number of partials
  outIndex: u32,  // pass 2: element of out receiving the result
}

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> params: Params;
#if FINAL
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
#else
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
#endif

var<workgroup> tree: array<f32, WG>;

// Identity of max: 0 for |x| (every |x| ≥ 0), the lowest finite f32 otherwise.
#if ABS
const MAX_IDENTITY = 0.0;
#else
const MAX_IDENTITY = -0x1.fffffep+127f;  // -FLT_MAX
#endif

fn identity() -> f32 {
#if IS_MAX
  return MAX_IDENTITY;
#else
  return 0.0;
#endif
}

fn mapValue(v: f32) -> f32 {
#if SQUARE
  return v * v;
#elif ABS
  return abs(v);
#else
  return v;
#endif
}

fn combine(a: f32, b: f32) -> f32 {
#if IS_MAX
  return max(a, b);
#else
  return a + b;
#endif
}

// Fixed-shape binary tree over tree[0..WG); returns the total in thread 0.
fn reduceWorkgroup(lid: u32, value: f32) -> f32 {
  tree[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { tree[lid] = combine(tree[lid], tree[lid + stride]); }
    workgroupBarrier();
  }
  return tree[0];
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  var acc = identity();
#if FINAL
  for (var i = lid.x; i < params.n; i += WG) { acc = combine(acc, partials[i]); }
  let total = reduceWorkgroup(lid.x, acc);
  if (lid.x == 0u) { out[params.outIndex] = total; }
#else
  let stride = nwg.x * WG;
  for (var i = wid.x * WG + lid.x; i < params.n; i += stride) { acc = combine(acc, mapValue(x[i])); }
  let total = reduceWorkgroup(lid.x, acc);
  if (lid.x == 0u) { partials[wid.x] = total; }
#endif
}
