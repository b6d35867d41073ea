// Sharpness (src/optim/sharpness.ts; docs/algorithm.md "Sharpness"): the Hutchinson trace
// estimate and the Lanczos iteration for the top Hessian eigenvalues, on Hessian-vector products
// that are either the model's exact ones (EXACT) or a central difference of gradients:
//
//   Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε,   ε = relativeStep · max(1, ‖θ‖) / ‖v‖
//
// Every scalar of a measurement lives in one small f32 buffer `scalars`, whose slot indices are
// override constants set from SHARPNESS_SLOT in the TypeScript (one source of truth):
//   SLOT_THETA_SQ ‖θ‖², SLOT_V_SQ ‖v‖², SLOT_EPS ε, SLOT_QUAD vᵀHv of the current probe,
//   SLOT_W_SQ ‖w‖² of the Lanczos residual (or its start), SLOT_RAYLEIGH qᵀHq of the current
//   Lanczos vector, SLOT_TRACE / SLOT_STDERR the Hutchinson mean and its standard error,
//   SLOT_DOT a dot product for the reorthogonalization, SLOT_ZERO always 0,
//   samples[k] = scalars[SAMPLES_AT + k] the vᵀHv of probe k, then the Lanczos α_j and β_j at
//   slots the host passes in `params.stream`.
// The host clears `scalars` at the start of a measurement. Sums of squares and dot products are
// the two-pass reductions of shaders/util/reduce.wgsl; the kernels here read their results from
// `scalars`, so a whole measurement runs without a readback until the end.
//
// Elementwise entries (rademacher, perturb, hvp, normalize, lanczosStep, project, orthogonalize,
// precondition, scaleBy):
// one thread per flat parameter entry i < n (n = P, padding included) over grid1d(n, WG), folded
// past 65535 workgroups: i = gid.x + gid.y·(num_workgroups.x·WG), bounds-checked. Scalar entries
// (epsilon, record, store, stats): a single thread, dispatch (1, 1, 1), loops in a fixed order
// (same inputs, same bits).

struct Params {
  n: u32,            // elementwise: entries (P); stats: probes
  seed: u32,         // rademacher: probe seed; store: source slot
  stream: u32,       // rademacher: probe index (or the Lanczos start's stream); record: sample index;
                     // store: destination slot; lanczosStep: slot of β_{j−1}
  value: f32,        // perturb: sign (+1 or −1); epsilon: relativeStep; store: > 0 takes the square root;
                     // precondition: 1 − β₂ᵗ (Adam's second-moment bias correction)
  value2: f32,       // precondition: Adam's ε
}

override WG: u32 = 256;
override SLOT_THETA_SQ: u32;
override SLOT_V_SQ: u32;
override SLOT_EPS: u32;
override SLOT_QUAD: u32;
override SLOT_W_SQ: u32;
override SLOT_RAYLEIGH: u32;
override SLOT_DOT: u32;
override SLOT_ZERO: u32;
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

// hvp: work holds ∇L(θ + εv) on entry and Hv on exit, the difference quotient:
//   Hv[i]   = mask[i] · (work[i] − gMinus[i]) / 2ε   (0 when ε = 0: a zero direction)
//   work[i] = Hv[i]
//   prod[i] = v[i] · Hv[i]                           (summed next: vᵀHv)
@group(0) @binding(1) var<storage, read> hvpMask: array<f32>;          // (P)
@group(0) @binding(2) var<storage, read> hvpV: array<f32>;             // (P)
@group(0) @binding(3) var<storage, read> hvpGMinus: array<f32>;        // (P) ∇L(θ − εv), the model's grads (EXACT: H·v)
#if EXACT
@group(0) @binding(4) var<storage, read_write> hvpWork: array<f32>;    // (P) → Hv
@group(0) @binding(5) var<storage, read_write> hvpProd: array<f32>;    // (P) v ⊙ Hv
#else
@group(0) @binding(4) var<storage, read> hvpScalars: array<f32>;       // scalars (ε)
@group(0) @binding(5) var<storage, read_write> hvpWork: array<f32>;    // (P) ∇L(θ + εv) → Hv
@group(0) @binding(6) var<storage, read_write> hvpProd: array<f32>;    // (P) v ⊙ Hv
#endif

// With EXACT, binding 3 holds the model's exact H·v instead (Model.hessianVectorProduct),
//   Hv[i] = mask[i] · exact[i], and there is no scalars binding (work and prod move up by one).
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
  hvpWork[i] = hv;
  hvpProd[i] = hvpV[i] * hv;
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

// lanczosStep: the three-term recurrence w = Hq_j − α_j·q_j − β_{j−1}·q_{j−1}, in place on w
// (which holds Hq_j): α_j = scalars[SLOT_RAYLEIGH] (q_jᵀHq_j, just reduced), β_{j−1} =
// scalars[params.stream] (SLOT_ZERO at j = 0, where qPrev is any vector).
@group(0) @binding(1) var<storage, read> lsQ: array<f32>;              // (P) q_j
@group(0) @binding(2) var<storage, read> lsQPrev: array<f32>;          // (P) q_{j−1}
@group(0) @binding(3) var<storage, read> lsScalars: array<f32>;        // scalars
@group(0) @binding(4) var<storage, read_write> lsW: array<f32>;        // (P) Hq_j → w

@compute @workgroup_size(WG)
fn lanczosStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  lsW[i] = lsW[i] - lsScalars[SLOT_RAYLEIGH] * lsQ[i] - lsScalars[params.stream] * lsQPrev[i];
}

// precondition: d[i] = mask[i] / sqrt(sqrt(v[i] / (1 − β₂ᵗ)) + ε), the square root of Adam's
// inverse preconditioner P⁻¹, P = diag(√v̂ + ε), from the run's own second moment v. The Lanczos
// iteration on D H D (D = diag(d)) has the eigenvalues of P⁻¹H, and is symmetric.
@group(0) @binding(1) var<storage, read> preMask: array<f32>;          // (P)
@group(0) @binding(2) var<storage, read> preV: array<f32>;             // (P) Adam's v
@group(0) @binding(3) var<storage, read_write> preD: array<f32>;       // (P) d

@compute @workgroup_size(WG)
fn precondition(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  preD[i] = preMask[i] / sqrt(sqrt(max(preV[i], 0.0) / params.value) + params.value2);
}

// scaleBy: x[i] *= d[i] (D·q before the product, D·(H D q) after it).
@group(0) @binding(1) var<storage, read> sbD: array<f32>;              // (P)
@group(0) @binding(2) var<storage, read_write> sbX: array<f32>;        // (P)

@compute @workgroup_size(WG)
fn scaleBy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  sbX[i] = sbX[i] * sbD[i];
}

// project: prod[i] = q[i] · w[i] (summed next into SLOT_DOT: qᵀw).
@group(0) @binding(1) var<storage, read> prjQ: array<f32>;             // (P)
@group(0) @binding(2) var<storage, read> prjW: array<f32>;             // (P)
@group(0) @binding(3) var<storage, read_write> prjProd: array<f32>;    // (P)

@compute @workgroup_size(WG)
fn project(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  prjProd[i] = prjQ[i] * prjW[i];
}

// orthogonalize: w[i] −= (qᵀw) · q[i], qᵀw = scalars[SLOT_DOT] (full reorthogonalization of the
// Lanczos residual against every earlier vector, which keeps the Ritz values free of copies).
@group(0) @binding(1) var<storage, read> ortQ: array<f32>;             // (P)
@group(0) @binding(2) var<storage, read> ortScalars: array<f32>;       // scalars
@group(0) @binding(3) var<storage, read_write> ortW: array<f32>;       // (P)

@compute @workgroup_size(WG)
fn orthogonalize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = elementIndex(gid, nwg);
  if (i >= params.n) { return; }
  ortW[i] = ortW[i] - ortScalars[SLOT_DOT] * ortQ[i];
}

@group(0) @binding(1) var<storage, read_write> scalars: array<f32>;    // (SAMPLES_AT + maxProbes + 2·maxLanczos)

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

// store: scalars[stream] = scalars[seed], or its square root when value > 0 (the Lanczos α_j
// from SLOT_RAYLEIGH, β_j = ‖w‖ from SLOT_W_SQ).
@compute @workgroup_size(1, 1, 1)
fn store() {
  let x = scalars[params.seed];
  scalars[params.stream] = select(x, sqrt(max(x, 0.0)), params.value > 0.0);
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
