// 2-D convolution, NCHW, square K×K kernel, stride and zero padding:
//
//   out[n,oc,oh,ow] = bias[oc] + Σ_ic Σ_kh Σ_kw w[oc,ic,kh,kw] · inp[n, ic, oh·S − P + kh, ow·S − P + kw]
//
// with OH = floor((H + 2P − K) / S) + 1 (same for OW), inputs outside the image read as zero.
//
// Direct convolution rather than im2col + matmul: an im2col buffer holds N·IC·K²·OH·OW floats
// (K² times the input), the matmul's bias is per column where a conv's is per output channel,
// and dX would need a col2im scatter. Here every pass is a gather, so each output is written by
// one thread and summed in a fixed order (deterministic, no atomics), and each thread still
// computes a 4×4 block of outputs so every value it loads is used four times. The block lives
// in four named vec4 accumulators and the per-pixel/per-column indices in vec4s: no private
// arrays indexed in loops, which CPU adapters (SwiftShader's JIT) keep in memory.
//
// One pass per define (each declares only the bindings its entry point uses, because
// `layout: 'auto'` drops unused ones and every builder binds consecutively from 0):
//   FORWARD        forward         out = conv(inp, w) + bias
//   INPUT_GRAD     inputGrad       dinp = beta·dinp + convᵀ(dout, w)
//   WEIGHT_PARTIAL weightPartial   per chunk of positions: partial sums of dW and db
//   (none)         weightReduce    dW = beta·dW + Σ_chunks partial, same for db
// The two weight-gradient passes split the reduction over N·OH·OW positions into `chunks`
// fixed ranges of `chunk` positions, then add the chunks in order: parallel and deterministic.

struct Params {
  N: u32,
  IC: u32,
  H: u32,
  W: u32,
  OC: u32,
  OH: u32,
  OW: u32,
  K: u32,
  stride: u32,
  pad: u32,
  chunk: u32,   // positions (n, oh, ow) per weight-gradient chunk
  chunks: u32,  // ceil(N·OH·OW / chunk)
  beta: f32,    // scale of the existing gradient that is added (0 overwrites, 1 accumulates)
}

override WG: u32 = 64;

const BLOCK = 4u;  // a thread owns BLOCK channels × BLOCK pixels (or BLOCK × BLOCK weights)

@group(0) @binding(0) var<uniform> params: Params;

#if FORWARD
@group(0) @binding(1) var<storage, read> inp: array<f32>;         // (N, IC, H, W)
@group(0) @binding(2) var<storage, read> weight: array<f32>;      // (OC, IC, K, K)
@group(0) @binding(3) var<storage, read> bias: array<f32>;        // (OC)
@group(0) @binding(4) var<storage, read_write> out: array<f32>;   // (N, OC, OH, OW)

// forward: thread (gid.x, gid.y, n) computes output channels 4·gid.y + i and output pixels
// 4·gid.x + j (flattened oh·OW + ow, so a block may wrap to the next row), i, j < 4, summing
// over (kh, kw, ic) in that order. Per step it loads 4 inputs and 4 weights and does 16 FMAs. Out-of-range channels
// and pixels compute on clamped indices and are not stored.
// Dispatch: (ceil(ceil(OH·OW / 4) / WG), ceil(OC / 4), N).
// Offset of (ih, iw) in an input plane (clamped inside it), and whether it lies inside the image.
fn inputOffset(ih: i32, iw: i32) -> u32 {
  return u32(clamp(ih, 0, i32(params.H) - 1)) * params.W + u32(clamp(iw, 0, i32(params.W) - 1));
}

fn inImage(ih: i32, iw: i32) -> bool {
  return ih >= 0 && ih < i32(params.H) && iw >= 0 && iw < i32(params.W);
}

// Writes the pixels p0 … p0+3 (those < OHW) of channel oc's plane from acc, plus the bias.
fn storeOutputs(n: u32, oc: u32, p0: u32, acc: vec4<f32>) {
  if (oc >= params.OC) { return; }
  let OHW = params.OH * params.OW;
  let at = (n * params.OC + oc) * OHW + p0;
  let b = bias[oc];
  out[at] = acc.x + b;
  if (p0 + 1u < OHW) { out[at + 1u] = acc.y + b; }
  if (p0 + 2u < OHW) { out[at + 2u] = acc.z + b; }
  if (p0 + 3u < OHW) { out[at + 3u] = acc.w + b; }
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let OHW = params.OH * params.OW;
  let p0 = gid.x * BLOCK;
  if (p0 >= OHW) { return; }
  let oc0 = gid.y * BLOCK;
  let n = gid.z;
  let K = params.K;
  let IC = params.IC;
  // Top-left corner of each pixel's window, in input coordinates (components = pixels j).
  let p = min(vec4<u32>(p0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(OHW - 1u));
  let ih0 = vec4<i32>((p / params.OW) * params.stride) - i32(params.pad);
  let iw0 = vec4<i32>((p % params.OW) * params.stride) - i32(params.pad);
  // Weight offsets of channels oc0 … oc0+3 (clamped) at ic = 0, kh = kw = 0.
  let KK = K * K;
  let w0 = min(oc0, params.OC - 1u) * IC * KK;
  let w1 = min(oc0 + 1u, params.OC - 1u) * IC * KK;
  let w2 = min(oc0 + 2u, params.OC - 1u) * IC * KK;
  let w3 = min(oc0 + 3u, params.OC - 1u) * IC * KK;

  var acc0 = vec4<f32>();  // channel oc0, pixels p0 … p0+3
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  // Window position outside, input channel inside: the pixels' offsets and padding masks are
  // computed once per (kh, kw), and the channel loop only loads and multiplies.
  let HW = params.H * params.W;
  let plane0 = n * IC * HW;
  for (var kh = 0u; kh < K; kh++) {
    let ih = ih0 + i32(kh);
    for (var kw = 0u; kw < K; kw++) {
      let iw = iw0 + i32(kw);
      let x0 = plane0 + inputOffset(ih.x, iw.x);
      let x1 = plane0 + inputOffset(ih.y, iw.y);
      let x2 = plane0 + inputOffset(ih.z, iw.z);
      let x3 = plane0 + inputOffset(ih.w, iw.w);
      let inside = vec4<bool>(inImage(ih.x, iw.x), inImage(ih.y, iw.y), inImage(ih.z, iw.z), inImage(ih.w, iw.w));
      let k = kh * K + kw;
      for (var ic = 0u; ic < IC; ic++) {
        let xAt = ic * HW;
        let xv = select(vec4<f32>(), vec4<f32>(inp[x0 + xAt], inp[x1 + xAt], inp[x2 + xAt], inp[x3 + xAt]), inside);
        let wAt = ic * KK + k;
        acc0 = fma(vec4<f32>(weight[w0 + wAt]), xv, acc0);
        acc1 = fma(vec4<f32>(weight[w1 + wAt]), xv, acc1);
        acc2 = fma(vec4<f32>(weight[w2 + wAt]), xv, acc2);
        acc3 = fma(vec4<f32>(weight[w3 + wAt]), xv, acc3);
      }
    }
  }
  storeOutputs(n, oc0, p0, acc0);
  storeOutputs(n, oc0 + 1u, p0, acc1);
  storeOutputs(n, oc0 + 2u, p0, acc2);
  storeOutputs(n, oc0 + 3u, p0, acc3);
}

#elif INPUT_GRAD
@group(0) @binding(1) var<storage, read> dout: array<f32>;        // (N, OC, OH, OW)
@group(0) @binding(2) var<storage, read> weight: array<f32>;      // (OC, IC, K, K)
@group(0) @binding(3) var<storage, read_write> dinp: array<f32>;  // (N, IC, H, W)

// inputGrad: the gather form of the transposed convolution. Input pixel (ih, iw) received
// w[oc,ic,kh,kw] from output (oh, ow) when oh·S − P + kh = ih, i.e. oh = (ih + P − kh) / S
// when that divides exactly and lands inside the output. Thread (gid.x, gid.y, n) computes
// input channels 4·gid.y + i at input pixels 4·gid.x + j (flattened ih·W + iw), summing over
// (kh, kw, oc) in that order. Dispatch: (ceil(ceil(H·W / 4) / WG), ceil(IC / 4), N).
// Where (th, tw) = (ih + P − kh, iw + P − kw) lands in the output: the offset of (th, tw) / S in
// an output plane (clamped inside it), and whether the division is exact and inside the output.
fn outputOffset(th: i32, tw: i32) -> u32 {
  let S = i32(params.stride);
  return u32(clamp(th / S, 0, i32(params.OH) - 1)) * params.OW + u32(clamp(tw / S, 0, i32(params.OW) - 1));
}

fn hitsOutput(th: i32, tw: i32) -> bool {
  let S = i32(params.stride);
  let oh = th / S;
  let ow = tw / S;
  return th >= 0 && tw >= 0 && oh * S == th && ow * S == tw && oh < i32(params.OH) && ow < i32(params.OW);
}

// dinp[at] = beta·dinp[at] + v.
fn storeInputGrad(at: u32, v: f32) {
  var x = v;
  if (params.beta != 0.0) { x += params.beta * dinp[at]; }
  dinp[at] = x;
}

// Writes pixels p0 … p0+3 (those < HW) of input channel ic's plane: beta·dinp + acc.
fn storeInputGrads(n: u32, ic: u32, p0: u32, acc: vec4<f32>) {
  if (ic >= params.IC) { return; }
  let HW = params.H * params.W;
  let at = (n * params.IC + ic) * HW + p0;
  storeInputGrad(at, acc.x);
  if (p0 + 1u < HW) { storeInputGrad(at + 1u, acc.y); }
  if (p0 + 2u < HW) { storeInputGrad(at + 2u, acc.z); }
  if (p0 + 3u < HW) { storeInputGrad(at + 3u, acc.w); }
}

@compute @workgroup_size(WG)
fn inputGrad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let HW = params.H * params.W;
  let OHW = params.OH * params.OW;
  let p0 = gid.x * BLOCK;
  if (p0 >= HW) { return; }
  let ic0 = gid.y * BLOCK;
  let n = gid.z;
  let K = params.K;
  let IC = params.IC;
  // ih + P and iw + P of pixels j: the output row oh satisfies oh·S = th0 − kh.
  let p = min(vec4<u32>(p0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(HW - 1u));
  let th0 = vec4<i32>(p / params.W + params.pad);
  let tw0 = vec4<i32>(p % params.W + params.pad);
  // Weight offsets of input channels ic0 … ic0+3 (clamped) at oc = 0, kh = kw = 0.
  let KK = K * K;
  let w0 = min(ic0, IC - 1u) * KK;
  let w1 = min(ic0 + 1u, IC - 1u) * KK;
  let w2 = min(ic0 + 2u, IC - 1u) * KK;
  let w3 = min(ic0 + 3u, IC - 1u) * KK;

  var acc0 = vec4<f32>();  // channel ic0, pixels p0 … p0+3
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  // Window position outside, output channel inside: the divisions by S and the masks are
  // computed once per (kh, kw), and the channel loop only loads and multiplies.
  let plane0 = n * params.OC * OHW;
  for (var kh = 0u; kh < K; kh++) {
    let th = th0 - i32(kh);
    for (var kw = 0u; kw < K; kw++) {
      let tw = tw0 - i32(kw);
      let y0 = plane0 + outputOffset(th.x, tw.x);
      let y1 = plane0 + outputOffset(th.y, tw.y);
      let y2 = plane0 + outputOffset(th.z, tw.z);
      let y3 = plane0 + outputOffset(th.w, tw.w);
      let hit = vec4<bool>(hitsOutput(th.x, tw.x), hitsOutput(th.y, tw.y), hitsOutput(th.z, tw.z), hitsOutput(th.w, tw.w));
      let k = kh * K + kw;
      for (var oc = 0u; oc < params.OC; oc++) {
        let yAt = oc * OHW;
        let dv = select(vec4<f32>(), vec4<f32>(dout[y0 + yAt], dout[y1 + yAt], dout[y2 + yAt], dout[y3 + yAt]), hit);
        let wAt = oc * IC * KK + k;
        acc0 = fma(vec4<f32>(weight[w0 + wAt]), dv, acc0);
        acc1 = fma(vec4<f32>(weight[w1 + wAt]), dv, acc1);
        acc2 = fma(vec4<f32>(weight[w2 + wAt]), dv, acc2);
        acc3 = fma(vec4<f32>(weight[w3 + wAt]), dv, acc3);
      }
    }
  }
  storeInputGrads(n, ic0, p0, acc0);
  storeInputGrads(n, ic0 + 1u, p0, acc1);
  storeInputGrads(n, ic0 + 2u, p0, acc2);
  storeInputGrads(n, ic0 + 3u, p0, acc3);
}

#elif WEIGHT_PARTIAL
@group(0) @binding(1) var<storage, read> inp: array<f32>;            // (N, IC, H, W)
@group(0) @binding(2) var<storage, read> dout: array<f32>;           // (N, OC, OH, OW)
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;  // (chunks, OC, IC·K·K + 1)

// weightPartial: the weight gradient as a matrix (OC, IC·K·K + 1), whose last column is the
// bias (an input of constant 1). Thread t of chunk c = gid.y owns channels 4·(t / G) + i and
// columns 4·(t % G) + j, G = ceil((IC·K·K + 1) / 4), and sums dout·inp over the positions
// q = (n·OH + oh)·OW + ow in [c·chunk, (c+1)·chunk) in increasing order.
// Dispatch: (ceil(ceil(OC / 4) · G / WG), chunks, 1).
// Input of column j at output position p of image n: the (ics, khs, kws) window entry, zero
// outside the image, 1 for the bias column.
fn loadColumn(n: u32, ihBase: i32, iwBase: i32, ic: u32, kh: i32, kw: i32, isBias: bool) -> f32 {
  let ih = ihBase + kh;
  let iw = iwBase + kw;
  let inside = ih >= 0 && ih < i32(params.H) && iw >= 0 && iw < i32(params.W);
  let at = ((n * params.IC + ic) * params.H + u32(clamp(ih, 0, i32(params.H) - 1))) * params.W + u32(clamp(iw, 0, i32(params.W) - 1));
  return select(select(0.0, inp[at], inside), 1.0, isBias);
}

// Writes columns col0 … col0+3 (those < cols) of channel oc's row of this chunk's partial sums.
fn storePartial(chunkId: u32, oc: u32, col0: u32, cols: u32, acc: vec4<f32>) {
  if (oc >= params.OC) { return; }
  let at = (chunkId * params.OC + oc) * cols + col0;
  partial[at] = acc.x;
  if (col0 + 1u < cols) { partial[at + 1u] = acc.y; }
  if (col0 + 2u < cols) { partial[at + 2u] = acc.z; }
  if (col0 + 3u < cols) { partial[at + 3u] = acc.w; }
}

@compute @workgroup_size(WG)
fn weightPartial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let K = params.K;
  let KK = K * K;
  let cols = params.IC * KK + 1u;
  let G = (cols + BLOCK - 1u) / BLOCK;
  let t = gid.x;
  if (t >= G * ((params.OC + BLOCK - 1u) / BLOCK)) { return; }
  let oc0 = (t / G) * BLOCK;
  let col0 = (t % G) * BLOCK;
  let chunkId = gid.y;
  let OHW = params.OH * params.OW;

  let o0 = min(oc0, params.OC - 1u) * OHW;
  let o1 = min(oc0 + 1u, params.OC - 1u) * OHW;
  let o2 = min(oc0 + 2u, params.OC - 1u) * OHW;
  let o3 = min(oc0 + 3u, params.OC - 1u) * OHW;
  // Per column j (components): its input channel and kernel offsets; the bias column uses a
  // valid weight column's indices and reads 1.
  let col = min(vec4<u32>(col0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(cols - 1u));
  let isBias = col == vec4<u32>(cols - 1u);
  let c = min(col, vec4<u32>(cols - 2u));
  let ics = c / KK;
  let khs = vec4<i32>((c % KK) / K) - i32(params.pad);
  let kws = vec4<i32>(c % K) - i32(params.pad);

  var acc0 = vec4<f32>();  // channel oc0, columns col0 … col0+3
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  let total = params.N * OHW;
  let q0 = chunkId * params.chunk;
  let qEnd = min(total, q0 + params.chunk);
  // Position q = (n·OH + oh)·OW + ow, advanced by counters instead of divisions in the loop.
  var n = q0 / OHW;
  var oh = (q0 % OHW) / params.OW;
  var ow = q0 % params.OW;
  for (var q = q0; q < qEnd; q++) {
    let ihBase = i32(oh * params.stride);
    let iwBase = i32(ow * params.stride);
    let dyBase = n * params.OC * OHW + oh * params.OW + ow;
    let xv = vec4<f32>(
      loadColumn(n, ihBase, iwBase, ics.x, khs.x, kws.x, isBias.x),
      loadColumn(n, ihBase, iwBase, ics.y, khs.y, kws.y, isBias.y),
      loadColumn(n, ihBase, iwBase, ics.z, khs.z, kws.z, isBias.z),
      loadColumn(n, ihBase, iwBase, ics.w, khs.w, kws.w, isBias.w));
    acc0 = fma(vec4<f32>(dout[dyBase + o0]), xv, acc0);
    acc1 = fma(vec4<f32>(dout[dyBase + o1]), xv, acc1);
    acc2 = fma(vec4<f32>(dout[dyBase + o2]), xv, acc2);
    acc3 = fma(vec4<f32>(dout[dyBase + o3]), xv, acc3);
    // Next position, branch-free: ow wraps into oh, oh into n.
    ow += 1u;
    let wrapW = ow == params.OW;
    ow = select(ow, 0u, wrapW);
    oh = select(oh, oh + 1u, wrapW);
    let wrapH = oh == params.OH;
    oh = select(oh, 0u, wrapH);
    n = select(n, n + 1u, wrapH);
  }
  storePartial(chunkId, oc0, col0, cols, acc0);
  storePartial(chunkId, oc0 + 1u, col0, cols, acc1);
  storePartial(chunkId, oc0 + 2u, col0, cols, acc2);
  storePartial(chunkId, oc0 + 3u, col0, cols, acc3);
}

#else
@group(0) @binding(1) var<storage, read> partial: array<f32>;          // (chunks, OC, IC·K·K + 1)
@group(0) @binding(2) var<storage, read_write> dweight: array<f32>;    // (OC, IC, K, K)
@group(0) @binding(3) var<storage, read_write> dbias: array<f32>;      // (OC)

// weightReduce: one thread per entry e = oc·(IC·K·K + 1) + col of the gradient matrix adds
// the chunks' partial sums in chunk order, then writes dW (col < IC·K·K) or db (last column).
// Dispatch: grid1d(OC·(IC·K·K + 1), WG), index gid.x + gid.y·(num_workgroups.x·WG).
@compute @workgroup_size(WG)
fn weightReduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let cols = params.IC * params.K * params.K + 1u;
  let count = params.OC * cols;
  let e = gid.x + gid.y * nwg.x * WG;
  if (e >= count) { return; }
  var s = 0.0;
  for (var c = 0u; c < params.chunks; c++) { s += partial[c * count + e]; }
  let oc = e / cols;
  let col = e % cols;
  if (col + 1u == cols) {
    if (params.beta != 0.0) { s += params.beta * dbias[oc]; }
    dbias[oc] = s;
  } else {
    let at = oc * (cols - 1u) + col;
    if (params.beta != 0.0) { s += params.beta * dweight[at]; }
    dweight[at] = s;
  }
}
#endif
