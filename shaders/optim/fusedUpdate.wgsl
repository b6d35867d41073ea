// Helpers of the fused optimizer updates (shaders/optim/adamw.wgsl, shaders/optim/sgd.wgsl),
// appended through the pipeline spec's `includes` (src/optim/optimizer.ts fusedKernel) and
// preprocessed with the same defines. They use the update shader's own declarations:
// `params.clip`, `params.gradNormIndex`, `params.kappa`, the `stats` binding and, with IRE,
// the `mask` binding. No bindings, no entry point.

// Global gradient-norm clipping: min(1, clip / (‖g‖ + 1e-6)), or 1 without clipping; ‖g‖² is
// stats[gradNormIndex], written by the sumsq reduction earlier in the same step.
fn clipScale() -> f32 {
  if (params.clip <= 0.0) { return 1.0; }
  return min(1.0, params.clip / (sqrt(stats[params.gradNormIndex]) + 1e-6));
}

// IRE: θ_old + (1 + κ_t·m)·(θbase − θ_old) where κ_t·m ≠ 0, else θbase itself (bit-identical at
// κ = 0). Branch-free (select): on CPU adapters a branch costs more than computing both sides.
fn amplify(i: u32, old: f32, base: f32) -> f32 {
#if IRE
  let k = params.kappa * f32(mask[i]);
  return select(base, old + (1.0 + k) * (base - old), k != 0.0);
#else
  return base;
#endif
}
