// The counter-based generator of src/util/rng.ts, bit for bit (tests compare with the CPU),
// shared by shaders/nn/sampler.wgsl and shaders/optim/sharpness.wgsl through the pipeline
// spec's `includes`. No bindings, no entry point.

// lowbias32 (Chris Wellons), identical to hash32 in src/util/rng.ts (u32 products wrap).
fn hash32(x0: u32) -> u32 {
  var x = x0;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

fn randomU32(seed: u32, stream: u32, counter: u32) -> u32 {
  return hash32(hash32(hash32(seed) ^ stream) ^ counter);
}
