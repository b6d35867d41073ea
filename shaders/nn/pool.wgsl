// 2-D max-pooling and average-pooling over NCHW planes, K×K windows, stride S, no padding:
//
//   max: out[nc,oh,ow] = max_{kh,kw<K} inp[nc, oh·S + kh, ow·S + kw], argmax = that (ih·W + iw)
//   avg: out[nc,oh,ow] = Σ_{kh,kw<K} inp[nc, oh·S + kh, ow·S + kw] / K²
//
// with OH = floor((H − K) / S) + 1 (PyTorch's default floor mode: a last partial window is
// dropped and its inputs get zero gradient). N and C fold into NC planes. Ties in a max window
// go to the first maximum in row-major window order (strict >), so argmax is deterministic.
//
// One define per entry point (each declares only its bindings; builders bind from 0 in order):
//   MAX_FORWARD maxForward, MAX_BACKWARD maxBackward, MAX_TANGENT maxTangent, AVG_FORWARD
//   avgForward, (none) avgBackward.
// Every entry point is one thread per element of its output, over a 1-D grid folded into two
// dimensions (grid1d): index = gid.x + gid.y·(num_workgroups.x·WG). Pooling is memory-bound, so
// one output per thread keeps loads coalesced across neighbouring threads.
// Backward passes are gathers: input (ih, iw) lies in the windows oh ∈ [ceil((ih − K + 1) / S),
// floor(ih / S)] ∩ [0, OH), likewise ow, visited in increasing order (deterministic, no atomics).

struct Params {
  NC: u32,  // N·C planes
  H: u32,
  W: u32,
  OH: u32,
  OW: u32,
  K: u32,
  stride: u32,
}

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> params: Params;

fn linearIndex(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// First and one-past-last output row (or column) whose window covers input row i.
fn coveringRange(i: u32, outSide: u32) -> vec2<u32> {
  let S = params.stride;
  var lo = 0u;
  if (i + 1u > params.K) { lo = (i + 1u - params.K + S - 1u) / S; }
  let hi = min(i / S + 1u, outSide);
  return vec2<u32>(lo, max(lo, hi));
}

#if MAX_FORWARD
@group(0) @binding(1) var<storage, read> inp: array<f32>;           // (N·C, H, W)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;     // (N·C, OH, OW)
@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;  // (N·C, OH, OW) ih·W + iw

// maxForward: thread per output; dispatch grid1d(N·C·OH·OW, WG).
@compute @workgroup_size(WG)
fn maxForward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearIndex(gid, nwg);
  let OHW = params.OH * params.OW;
  if (e >= params.NC * OHW) { return; }
  let plane = e / OHW;
  let p = e % OHW;
  let ih0 = (p / params.OW) * params.stride;
  let iw0 = (p % params.OW) * params.stride;
  let base = plane * params.H * params.W;
  var bestAt = ih0 * params.W + iw0;
  var best = inp[base + bestAt];
  for (var kh = 0u; kh < params.K; kh++) {
    for (var kw = 0u; kw < params.K; kw++) {
      let at = (ih0 + kh) * params.W + iw0 + kw;
      let v = inp[base + at];
      if (v > best) {
        best = v;
        bestAt = at;
      }
    }
  }
  out[e] = best;
  argmax[e] = bestAt;
}

#elif MAX_BACKWARD
@group(0) @binding(1) var<storage, read> dout: array<f32>;         // (N·C, OH, OW)
@group(0) @binding(2) var<storage, read> argmax: array<u32>;       // (N·C, OH, OW) ih·W + iw
@group(0) @binding(3) var<storage, read_write> dinp: array<f32>;   // (N·C, H, W)

// maxBackward: thread per input element; adds dout of every covering window whose argmax is
// this element. Dispatch grid1d(N·C·H·W, WG).
@compute @workgroup_size(WG)
fn maxBackward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearIndex(gid, nwg);
  let HW = params.H * params.W;
  if (e >= params.NC * HW) { return; }
  let plane = e / HW;
  let at = e % HW;
  let rows = coveringRange(at / params.W, params.OH);
  let cols = coveringRange(at % params.W, params.OW);
  let outBase = plane * params.OH * params.OW;
  var s = 0.0;
  for (var oh = rows.x; oh < rows.y; oh++) {
    for (var ow = cols.x; ow < cols.y; ow++) {
      let o = outBase + oh * params.OW + ow;
      if (argmax[o] == at) { s += dout[o]; }
    }
  }
  dinp[e] = s;
}

#elif MAX_TANGENT
@group(0) @binding(1) var<storage, read> tin: array<f32>;           // (N·C, H, W) tangent of the input
@group(0) @binding(2) var<storage, read> targmax: array<u32>;       // (N·C, OH, OW) from maxForward
@group(0) @binding(3) var<storage, read_write> tout: array<f32>;    // (N·C, OH, OW) tangent of the output

// maxTangent: the derivative of max-pooling along a tangent of its input is the tangent at the
// window's argmax (max-pooling is linear between ties; docs/algorithm.md "Sharpness").
// Thread per output; dispatch grid1d(N·C·OH·OW, WG).
@compute @workgroup_size(WG)
fn maxTangent(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearIndex(gid, nwg);
  let OHW = params.OH * params.OW;
  if (e >= params.NC * OHW) { return; }
  tout[e] = tin[(e / OHW) * params.H * params.W + targmax[e]];
}

#elif AVG_FORWARD
@group(0) @binding(1) var<storage, read> inp: array<f32>;        // (N·C, H, W)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // (N·C, OH, OW)

// avgForward: thread per output, window summed row-major then divided by K². Dispatch
// grid1d(N·C·OH·OW, WG).
@compute @workgroup_size(WG)
fn avgForward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearIndex(gid, nwg);
  let OHW = params.OH * params.OW;
  if (e >= params.NC * OHW) { return; }
  let plane = e / OHW;
  let p = e % OHW;
  let ih0 = (p / params.OW) * params.stride;
  let iw0 = (p % params.OW) * params.stride;
  let base = plane * params.H * params.W;
  var s = 0.0;
  for (var kh = 0u; kh < params.K; kh++) {
    for (var kw = 0u; kw < params.K; kw++) { s += inp[base + (ih0 + kh) * params.W + iw0 + kw]; }
  }
  out[e] = s / f32(params.K * params.K);
}

#else
@group(0) @binding(1) var<storage, read> dout: array<f32>;         // (N·C, OH, OW)
@group(0) @binding(2) var<storage, read_write> dinp: array<f32>;   // (N·C, H, W)

// avgBackward: thread per input element; Σ dout over covering windows, divided by K².
// Dispatch grid1d(N·C·H·W, WG).
@compute @workgroup_size(WG)
fn avgBackward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearIndex(gid, nwg);
  let HW = params.H * params.W;
  if (e >= params.NC * HW) { return; }
  let plane = e / HW;
  let at = e % HW;
  let rows = coveringRange(at / params.W, params.OH);
  let cols = coveringRange(at % params.W, params.OW);
  let outBase = plane * params.OH * params.OW;
  var s = 0.0;
  for (var oh = rows.x; oh < rows.y; oh++) {
    for (var ow = cols.x; ow < cols.y; ow++) { s += dout[outBase + oh * params.OW + ow]; }
  }
  dinp[e] = s / f32(params.K * params.K);
}
#endif
