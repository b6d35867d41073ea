// Counts the non-finite entries (NaN, +Inf, −Inf) of an f32 buffer by their bit patterns:
// exponent bits all ones ⇔ (bits & 0x7f800000) == 0x7f800000. `isnan`/`isinf` are not used,
// since WGSL implementations may assume floats are finite and fold them to false.
//
// Pass 1 (default, entry `main`): G workgroups of WG threads, grid-stride loop (no folding);
//   u32 counts summed by a fixed tree in workgroup memory; thread 0 writes partials[w].
// Pass 2 (FINAL): one workgroup sums the G partial counts and writes f32(total) to
//   out[outIndex] (exact below 2^24 entries), so it can sit in an f32 metrics buffer.
//
// Bindings (group 0):
//   0 params    uniform Params
//   pass 1: 1 x        storage read        (n) f32
//           2 partials storage read_write  (G) u32
//   pass 2: 1 partials storage read        (G) u32
//           2 out      storage read_write  (≥ outIndex + 1) f32

struct Params {
  n: u32,         // pass 1: elements of x; pass 2: G, the number of partials
  outIndex: u32,  // pass 2: element of out receiving the count
}

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> params: Params;
#if FINAL
@group(0) @binding(1) var<storage, read> partials: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
#else
@group(0) @binding(1) var<storage, read> x: array<u32>;  // the f32 buffer viewed as bits
@group(0) @binding(2) var<storage, read_write> partials: array<u32>;
#endif

var<workgroup> tree: array<u32, WG>;

fn reduceWorkgroup(lid: u32, value: u32) -> u32 {
  tree[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { tree[lid] = tree[lid] + tree[lid + stride]; }
    workgroupBarrier();
  }
  return tree[0];
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  var count = 0u;
#if FINAL
  for (var i = lid.x; i < params.n; i += WG) { count += partials[i]; }
  let total = reduceWorkgroup(lid.x, count);
  if (lid.x == 0u) { out[params.outIndex] = f32(total); }
#else
  let stride = nwg.x * WG;
  for (var i = wid.x * WG + lid.x; i < params.n; i += stride) {
    if ((x[i] & 0x7f800000u) == 0x7f800000u) { count += 1u; }
  }
  let total = reduceWorkgroup(lid.x, count);
  if (lid.x == 0u) { partials[wid.x] = total; }
#endif
}
