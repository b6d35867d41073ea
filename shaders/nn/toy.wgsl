// The toy problem of docs/algorithm.md (Figure 1 of the IRE paper): L(u, v) = (1 + u²) v² / 2 over a
// 2-float parameter buffer θ = (u, v). Valley of minima v = 0; flattest minimum (0, 0).
// Each entry point is one thread (two parameters); a step is a handful of tiny dispatches, so
// many steps can be encoded in one compute pass with no uniform change between them.
//
// gradient:     grad = (u v², (1 + u²) v), out[lossIndex] = L(u, v)
//   Bindings: 0 params Params, 1 theta (2) read, 2 grad (2) read_write, 3 out f32 (≥ lossIndex + 1) read_write
// hessianDiag:  h = (v², 1 + u²), the exact diagonal of ∇²L (the off-diagonal 2uv is not needed by IRE)
//   Bindings (no params): 0 theta (2) read, 1 h (2) read_write
// record:       traj[2c..2c+2) = θ and cursor += 1, for c = cursor < capacity (a trajectory on the GPU)
//   Bindings: 0 params Params, 1 theta (2) read, 2 traj (2·capacity) read_write, 3 cursor (1) u32 read_write

struct Params {
  lossIndex: u32,  // gradient: element of out receiving the loss
  capacity: u32,   // record: points the trajectory buffer holds
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> theta: array<f32>;

@group(0) @binding(2) var<storage, read_write> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(1, 1, 1)
fn gradient() {
  let u = theta[0];
  let v = theta[1];
  grad[0] = u * v * v;
  grad[1] = (1.0 + u * u) * v;
  out[params.lossIndex] = (1.0 + u * u) * (v * v) * 0.5;
}

@group(0) @binding(0) var<storage, read> hdTheta: array<f32>;
@group(0) @binding(1) var<storage, read_write> h: array<f32>;

// hvp: out = H·d with the exact Hessian H = [[v², 2uv], [2uv, 1 + u²]] (exact sharpness).
@group(0) @binding(0) var<storage, read> hvTheta: array<f32>;        // (2) (u, v)
@group(0) @binding(1) var<storage, read> hvDirection: array<f32>;    // (2)
@group(0) @binding(2) var<storage, read_write> hvOut: array<f32>;    // (2)

@compute @workgroup_size(1, 1, 1)
fn hvp() {
  let u = hvTheta[0];
  let v = hvTheta[1];
  let d0 = hvDirection[0];
  let d1 = hvDirection[1];
  hvOut[0] = v * v * d0 + 2.0 * u * v * d1;
  hvOut[1] = 2.0 * u * v * d0 + (1.0 + u * u) * d1;
}

@compute @workgroup_size(1, 1, 1)
fn hessianDiag() {
  let u = hdTheta[0];
  let v = hdTheta[1];
  h[0] = v * v;
  h[1] = 1.0 + u * u;
}

@group(0) @binding(2) var<storage, read_write> traj: array<f32>;
@group(0) @binding(3) var<storage, read_write> cursor: array<u32>;

@compute @workgroup_size(1, 1, 1)
fn record() {
  let c = cursor[0];
  if (c >= params.capacity) { return; }
  traj[2u * c] = theta[0];
  traj[2u * c + 1u] = theta[1];
  cursor[0] = c + 1u;
}
