// Sharpness: Hessian-vector products by a central difference of gradients, for the Hutchinson
// trace estimate and the power iteration of src/optim/sharpness.ts (ire.md "Sharpness, as the
// playground measures it"):
//
//   Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε,   ε = relativeStep · max(1, ‖θ‖) / ‖v‖
//
// Every scalar of a measurement lives in one small f32 buffer `scalars`, whose slot indices are
// override constants set from SHARPNESS_SLOT in the TypeScript (one source of truth):
//   SLOT_THETA_SQ ‖θ‖², SLOT_V_SQ ‖v‖², SLOT_EPS ε, SLOT_QUAD vᵀHv of the current probe,
//   SLOT_W_SQ ‖Hv‖², SLOT_RAYLEIGH vᵀHv of the power vector, SLOT_SHIFT σ (power iteration on
//   H − σI; 0 otherwise), SLOT_DOMINANT the largest-magnitude eigenvalue of the first phase,
//   SLOT_TRACE / SLOT_STDERR the Hutchinson mean and its standard error,
//   samples[k] = scalars[SAMPLES_AT + k] the vᵀHv of probe k.
// The host clears `scalars` at the start of a measurement (so σ = 0 unless `shift` sets it).
// Sums of squares and dot products are the two-pass reductions of shaders/util/reduce.wgsl;
// the kernels here read their results from `scalars`, so a whole measurement runs without a
// readback until the end.
//
// Elementwise entries (rademacher, perturb, hvp, normalize): one thread per flat parameter
// entry i < n (n = P, padding included) over grid1d(n, WG), folded past 65535 workgroups:
// i = gid.x + gid.y·(num_workgroups.x·WG), bounds-checked. Scalar entries (epsilon, record,
// shift, stats): a single thread, dispatch (1, 1, 1), loops in a fixed order (same inputs, same bits).

struct Params {
  n: u32,            // elementwise: entries (P); stats: probes
  seed: u32,         // rademacher: probe seed
  stream: u32,       // rademacher: probe index (or the power-iteration stream); record: sample index
  value: f32,        // perturb: sign (+1 or −1); epsilon: relativeStep
}

override WG: u32 = 256;
override SLOT_THETA_SQ: u32;
override SLOT_V_SQ: u32;
override SLOT_EPS: u32;
override SLOT_QUAD: u32;
override SLOT_W_SQ: u32;
override SLOT_RAYLEIGH: u32;
override SLOT_SHIFT: u32;
override SLOT_DOMINANT: u32;
override SLOT_TRACE: u32;
override SLOT_STDERR: u32;
override SAMPLES_AT: u32;

@group(0) @binding(0) var<uniform> params: Params;

fn elementIndex(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// hash32 and randomU32 come from shaders/util/random.wgsl (appended through `includes`; the
// test compares the probes with the CPU generator bit for bit).

// rademacher: out[i] = ±1 on real entries, the sign from the top bit of randomU32(seed, stream, i)
// (set → −1); padding entries (mask 0) are +0.
@group(0) @binding(1) var<storage, read> radMask: array<f32>;        // (P) 1 real, 0 padding
@group(0) @binding(2) var<storage, read_write> radOut: array<f32>;   // (P)

@compute @workgroup_size(WG)
fn rademacher(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  let negative = (randomU32(params.seed, params.stream, i) >> 31u) == 1u;
  var sign = select(1.0, -1.0, negative);
  if (radMask[i] == 0.0) { sign = 0.0; }  // +0, not mask · (−1) = −0
  radOut[i] = sign;
}

// perturb: theta[i] = save[i] + (sign·ε) · v[i]; written from the saved θ every time, so the
// parameters never accumulate rounding across probes.
@group(0) @binding(1) var<storage, read> perSave: array<f32>;         // (P) θ saved
@group(0) @binding(2) var<storage, read> perV: array<f32>;            // (P) direction
@group(0) @binding(3) var<storage, read> perScalars: array<f32>;      // scalars (ε)
@group(0) @binding(4) var<storage, read_write> perTheta: array<f32>;  // (P) the model's params

@compute @workgroup_size(WG)
fn perturb(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  let step = params.value * perScalars[SLOT_EPS];
  perTheta[i] = perSave[i] + step * perV[i];
}

// hvp: work holds ∇L(θ + εv) on entry and (H − σI)v on exit, with Hv the difference quotient:
//   Hv[i]   = mask[i] · (work[i] − gMinus[i]) / 2ε   (0 when ε = 0: a zero direction)
//   work[i] = Hv[i] − σ · v[i]                       (σ = scalars[SLOT_SHIFT], 0 but in the
//                                                     second phase of the power iteration)
//   prod[i] = v[i] · Hv[i]                           (summed next: vᵀHv, unshifted)
@group(0) @binding(1) var<storage, read> hvpMask: array<f32>;          // (P)
@group(0) @binding(2) var<storage, read> hvpV: array<f32>;             // (P)
@group(0) @binding(3) var<storage, read> hvpGMinus: array<f32>;        // (P) ∇L(θ − εv), the model's grads (EXACT: H·v)
@group(0) @binding(4) var<storage, read> hvpScalars: array<f32>;       // scalars (ε)
@group(0) @binding(5) var<storage, read_write> hvpWork: array<f32>;    // (P) ∇L(θ + εv) → Hv
@group(0) @binding(6) var<storage, read_write> hvpProd: array<f32>;    // (P) v ⊙ Hv

// With EXACT, binding 3 holds the model's exact H·v instead (Model.hessianVectorProduct) and
//   Hv[i] = mask[i] · exact[i]; work is only written.
@compute @workgroup_size(WG)
fn hvp(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
#if EXACT
  let hv = hvpMask[i] * hvpGMinus[i];
#else
  let eps = hvpScalars[SLOT_EPS];
  var hv = 0.0;
  if (eps > 0.0) { hv = hvpMask[i] * ((hvpWork[i] - hvpGMinus[i]) / (2.0 * eps)); }
#endif
  let v = hvpV[i];
  hvpWork[i] = hv - hvpScalars[SLOT_SHIFT] * v;
  hvpProd[i] = v * hv;
}

// normalize: v[i] = src[i] / ‖src‖ with ‖src‖² = scalars[SLOT_W_SQ] (0 when ‖src‖ = 0).
@group(0) @binding(1) var<storage, read> normSrc: array<f32>;          // (P)
@group(0) @binding(2) var<storage, read> normScalars: array<f32>;      // scalars (‖src‖²)
@group(0) @binding(3) var<storage, read_write> normV: array<f32>;      // (P)

@compute @workgroup_size(WG)
fn normalize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  let sq = normScalars[SLOT_W_SQ];
  var out = 0.0;
  if (sq > 0.0) { out = normSrc[i] / sqrt(sq); }
  normV[i] = out;
}

// restart: the start of the power iteration's second phase. If σ < 0 (the first phase found a
// dominant negative eigenvalue), v[i] = src[i] / ‖src‖ (src: a fresh Rademacher start, ‖src‖² in
// SLOT_W_SQ), since the current v is then the eigenvector H − σI nearly annihilates; otherwise v
// is kept and the second phase simply continues the first.
@group(0) @binding(1) var<storage, read> resSrc: array<f32>;           // (P)
@group(0) @binding(2) var<storage, read> resScalars: array<f32>;       // scalars (σ, ‖src‖²)
@group(0) @binding(3) var<storage, read_write> resV: array<f32>;       // (P)

@compute @workgroup_size(WG)
fn restart(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  let sq = resScalars[SLOT_W_SQ];
  if (resScalars[SLOT_SHIFT] < 0.0 && sq > 0.0) { resV[i] = resSrc[i] / sqrt(sq); }
}

@group(0) @binding(1) var<storage, read_write> scalars: array<f32>;    // (SAMPLES_AT + maxProbes)

// epsilon: ε = relativeStep · max(1, ‖θ‖) / ‖v‖ (0 when v = 0).
@compute @workgroup_size(1, 1, 1)
fn epsilon() {
  let vNorm = sqrt(scalars[SLOT_V_SQ]);
  var eps = 0.0;
  if (vNorm > 0.0) { eps = params.value * max(1.0, sqrt(scalars[SLOT_THETA_SQ])) / vNorm; }
  scalars[SLOT_EPS] = eps;
}

// record: samples[stream] = vᵀHv of the probe just measured.
@compute @workgroup_size(1, 1, 1)
fn record() {
  scalars[SAMPLES_AT + params.stream] = scalars[SLOT_QUAD];
}

// shift: end of the power iteration's first phase, which converges to the eigenvalue λ₁ of
// largest magnitude: dominant = λ₁, σ = min(0, λ₁). With λ₁ < 0 the second phase iterates
// H − σI, whose eigenvalues λ − λ₁ ≥ 0 are led by λ_max − λ₁, so it finds the largest eigenvalue.
// It reads no params, so its one binding is at 0.
@group(0) @binding(0) var<storage, read_write> shiftScalars: array<f32>;  // scalars

@compute @workgroup_size(1, 1, 1)
fn shift() {
  let dominant = shiftScalars[SLOT_RAYLEIGH];
  shiftScalars[SLOT_DOMINANT] = dominant;
  shiftScalars[SLOT_SHIFT] = min(0.0, dominant);
}

// stats: mean of samples[0..n) and its standard error sqrt(s² / n), s² the unbiased sample
// variance (two passes: mean first, then squared deviations); stderr = 0 when n = 1.
@compute @workgroup_size(1, 1, 1)
fn stats() {
  let n = params.n;
  var sum = 0.0;
  for (var k = 0u; k < n; k++) { sum += scalars[SAMPLES_AT + k]; }
  let mean = sum / f32(n);
  var squares = 0.0;
  for (var k = 0u; k < n; k++) {
    let d = scalars[SAMPLES_AT + k] - mean;
    squares = fma(d, d, squares);
  }
  var stderr = 0.0;
  if (n > 1u) { stderr = sqrt(squares / f32(n - 1u) / f32(n)); }
  scalars[SLOT_TRACE] = mean;
  scalars[SLOT_STDERR] = stderr;
}
