// Categorical sampler: one label per row drawn from softmax(logits[n, :]), with the seeded
// counter-based RNG of src/util/rng.ts ported bit for bit (IRE's Hessian-diagonal estimate
// back-propagates the loss of labels sampled from the model's own predictions).
//
//   u[n]      = (randomU32(seed, stream = n, counter) >> 8) / 2²⁴          (Rng.uniform)
//   labels[n] = the first class i with u·Σ_j e_j < Σ_{j ≤ i} e_j,  e_j = exp(logits[n, j] − max)
//
// The running sum uses the same order as the total, so the last class is always reachable; if
// rounding leaves u·Σ ≥ Σ the row's argmax is used. `counter` changes per call (so each mask
// refresh draws fresh labels); fixed (seed, counter) gives the same labels every time.
// Exactly one of SAMPLE, HASH_CHECK is set.

struct Params {
  N: u32,
  V: u32,
  seed: u32,
  counter: u32,
}

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> params: Params;

// hash32 and randomU32 come from shaders/util/random.wgsl (appended through `includes`).

#if SAMPLE
// One thread per row: max, Σ exp, then the inverse-CDF scan, all in class order.
// Dispatch: grid1d(N, WG).
@group(0) @binding(1) var<storage, read> logits: array<f32>;       // (N, V)
@group(0) @binding(2) var<storage, read_write> labels: array<u32>; // (N)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = gid.x + gid.y * nwg.x * WG;
  if (n >= params.N) { return; }
  let V = params.V;
  let base = n * V;
  var mx = logits[base];
  var argmax = 0u;
  for (var i = 1u; i < V; i++) {
    let l = logits[base + i];
    if (l > mx) { mx = l; argmax = i; }
  }
  var sum = 0.0;
  for (var i = 0u; i < V; i++) { sum += exp(logits[base + i] - mx); }
  let u = f32(randomU32(params.seed, n, params.counter) >> 8u) / 16777216.0;
  let goal = u * sum;
  var label = argmax;
  var cum = 0.0;
  for (var i = 0u; i < V; i++) {
    cum += exp(logits[base + i] - mx);
    if (goal < cum) {
      label = i;
      break;
    }
  }
  labels[n] = label;
}
#endif

#if HASH_CHECK
// Test hook: out[2i] = hash32(inp[i]), out[2i + 1] = randomU32(seed, inp[i], counter), so the
// CPU and GPU generators can be compared on many inputs. Dispatch: grid1d(N, WG).
@group(0) @binding(1) var<storage, read> inp: array<u32>;          // (N)
@group(0) @binding(2) var<storage, read_write> out: array<u32>;    // (2N)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.N) { return; }
  out[2u * i] = hash32(inp[i]);
  out[2u * i + 1u] = randomU32(params.seed, inp[i], params.counter);
}
#endif
