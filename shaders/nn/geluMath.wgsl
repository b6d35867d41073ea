// GELU, tanh form, as functions shared by the GELU kernels (shaders/nn/gelu.wgsl) and the
// matmul's fused GELU epilogues (shaders/nn/matmul.wgsl); appended to those shaders through
// the pipeline spec's `includes`. No bindings, no entry point.
//
//   gelu(x) = ½·x·(1 + tanh u),  u = √(2/π)·(x + 0.044715·x³)
//
// Evaluated through the identity ½(1 + tanh u) = σ(2u), σ(z) = 1/(1 + e^(−z)), which keeps full
// relative precision in the tails (1 − tanh²u would cancel to noise for x ≲ −4). u is clamped
// to ±40 so e^(±2u) stays finite in f32; σ is then 1 or ~1e−35, the exact f32 answer.

const GELU_SCALE: f32 = 0.7978845608028654;  // √(2/π)
const GELU_CUBE: f32 = 0.044715;

fn geluInner(x: f32) -> f32 {
  return clamp(GELU_SCALE * (x + GELU_CUBE * x * x * x), -40.0, 40.0);
}

fn gelu(x: f32) -> f32 {
  return x / (1.0 + exp(-2.0 * geluInner(x)));
}

// gelu'(x) = σ(2u) + 2·x·σ(2u)·σ(−2u)·√(2/π)(1 + 3·0.044715·x²): the tanh form's
// ½(1 + tanh u) + ½·x·(1 − tanh²u)·u' written with σ (1 − tanh²u = 4σ(2u)σ(−2u)).
fn geluGrad(x: f32) -> f32 {
  let u = geluInner(x);
  let e = exp(-2.0 * u);
  let sp = 1.0 / (1.0 + e);  // σ(2u)
  let sm = e * sp;           // σ(−2u) = e^(−2u)·σ(2u): one exp, and no 1 − sp (that cancels)
  return sp + 2.0 * x * sp * sm * GELU_SCALE * (1.0 + 3.0 * GELU_CUBE * x * x);
}

// gelu''(x), the derivative of geluGrad (the tangent of the GELU's backward, for exact
// Hessian-vector products; docs/algorithm.md "Sharpness"). With u' = √(2/π)(1 + 3·0.044715·x²),
// u'' = 6·√(2/π)·0.044715·x and tanh u = σ(2u) − σ(−2u):
//   gelu''(x) = σ(2u)σ(−2u)·(4u' + 2x·u'' − 4x·u'²·tanh u)
// (the tanh form's (1 − tanh²u)(u' + x·u''/2 − x·u'²·tanh u), with 1 − tanh²u = 4σ(2u)σ(−2u)).
fn geluGrad2(x: f32) -> f32 {
  let u = geluInner(x);
  let e = exp(-2.0 * u);
  let sp = 1.0 / (1.0 + e);  // σ(2u)
  let sm = e * sp;           // σ(−2u)
  let du = GELU_SCALE * (1.0 + 3.0 * GELU_CUBE * x * x);
  let ddu = 6.0 * GELU_SCALE * GELU_CUBE * x;
  return sp * sm * (4.0 * du + 2.0 * x * ddu - 4.0 * x * du * du * (sp - sm));
}
