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
// computes a 4×4 block of outputs so every value it loads is used four times.
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
// 4·gid.x + j (flattened oh·OW + ow, so a block may wrap to the next row), i, j < 4.
// Per (ic, kh, kw) it loads 4 inputs and 4 weights and does 16 FMAs. Out-of-range channels
// and pixels compute on clamped indices and are not stored.
// Dispatch: (ceil(ceil(OH·OW / 4) / WG), ceil(OC / 4), N).
@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let OHW = params.OH * params.OW;
  let p0 = gid.x * BLOCK;
  if (p0 >= OHW) { return; }
  let oc0 = gid.y * BLOCK;
  let n = gid.z;
  let K = params.K;
  var ih0: array<i32, 4>;  // top-left corner of each pixel's window, in input coordinates
  var iw0: array<i32, 4>;
  var ocs: array<u32, 4>;
  for (var j = 0u; j < BLOCK; j++) {
    let p = min(p0 + j, OHW - 1u);
    ih0[j] = i32((p / params.OW) * params.stride) - i32(params.pad);
    iw0[j] = i32((p % params.OW) * params.stride) - i32(params.pad);
  }
  for (var i = 0u; i < BLOCK; i++) { ocs[i] = min(oc0 + i, params.OC - 1u); }

  var acc: array<array<f32, 4>, 4>;  // [channel i][pixel j]
  for (var ic = 0u; ic < params.IC; ic++) {
    let xBase = (n * params.IC + ic) * params.H * params.W;
    for (var kh = 0u; kh < K; kh++) {
      for (var kw = 0u; kw < K; kw++) {
        var xv: array<f32, 4>;
        for (var j = 0u; j < BLOCK; j++) {
          let ih = ih0[j] + i32(kh);
          let iw = iw0[j] + i32(kw);
          let inside = ih >= 0 && ih < i32(params.H) && iw >= 0 && iw < i32(params.W);
          let at = xBase + u32(clamp(ih, 0, i32(params.H) - 1)) * params.W + u32(clamp(iw, 0, i32(params.W) - 1));
          xv[j] = select(0.0, inp[at], inside);
        }
        var wv: array<f32, 4>;
        for (var i = 0u; i < BLOCK; i++) { wv[i] = weight[((ocs[i] * params.IC + ic) * K + kh) * K + kw]; }
        for (var i = 0u; i < BLOCK; i++) {
          for (var j = 0u; j < BLOCK; j++) { acc[i][j] = fma(wv[i], xv[j], acc[i][j]); }
        }
      }
    }
  }
  for (var i = 0u; i < BLOCK; i++) {
    let oc = oc0 + i;
    if (oc >= params.OC) { break; }
    for (var j = 0u; j < BLOCK; j++) {
      let p = p0 + j;
      if (p >= OHW) { break; }
      out[(n * params.OC + oc) * OHW + p] = acc[i][j] + bias[oc];
    }
  }
}

#elif INPUT_GRAD
@group(0) @binding(1) var<storage, read> dout: array<f32>;        // (N, OC, OH, OW)
@group(0) @binding(2) var<storage, read> weight: array<f32>;      // (OC, IC, K, K)
@group(0) @binding(3) var<storage, read_write> dinp: array<f32>;  // (N, IC, H, W)

// inputGrad: the gather form of the transposed convolution. Input pixel (ih, iw) received
// w[oc,ic,kh,kw] from output (oh, ow) when oh·S − P + kh = ih, i.e. oh = (ih + P − kh) / S
// when that divides exactly and lands inside the output. Thread (gid.x, gid.y, n) computes
// input channels 4·gid.y + i at input pixels 4·gid.x + j (flattened ih·W + iw), summing over
// (oc, kh, kw) in that order. Dispatch: (ceil(ceil(H·W / 4) / WG), ceil(IC / 4), N).
@compute @workgroup_size(WG)
fn inputGrad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let HW = params.H * params.W;
  let OHW = params.OH * params.OW;
  let p0 = gid.x * BLOCK;
  if (p0 >= HW) { return; }
  let ic0 = gid.y * BLOCK;
  let n = gid.z;
  let K = params.K;
  let S = i32(params.stride);
  var th0: array<i32, 4>;  // ih + P: the output row oh satisfies oh·S = th0 − kh
  var tw0: array<i32, 4>;
  var ics: array<u32, 4>;
  for (var j = 0u; j < BLOCK; j++) {
    let p = min(p0 + j, HW - 1u);
    th0[j] = i32(p / params.W + params.pad);
    tw0[j] = i32(p % params.W + params.pad);
  }
  for (var i = 0u; i < BLOCK; i++) { ics[i] = min(ic0 + i, params.IC - 1u); }

  var acc: array<array<f32, 4>, 4>;  // [channel i][pixel j]
  for (var oc = 0u; oc < params.OC; oc++) {
    let dyBase = (n * params.OC + oc) * OHW;
    for (var kh = 0u; kh < K; kh++) {
      for (var kw = 0u; kw < K; kw++) {
        var dv: array<f32, 4>;
        for (var j = 0u; j < BLOCK; j++) {
          let th = th0[j] - i32(kh);
          let tw = tw0[j] - i32(kw);
          let oh = th / S;
          let ow = tw / S;
          let hit = th >= 0 && tw >= 0 && oh * S == th && ow * S == tw && oh < i32(params.OH) && ow < i32(params.OW);
          let at = dyBase + u32(clamp(oh, 0, i32(params.OH) - 1)) * params.OW + u32(clamp(ow, 0, i32(params.OW) - 1));
          dv[j] = select(0.0, dout[at], hit);
        }
        var wv: array<f32, 4>;
        for (var i = 0u; i < BLOCK; i++) { wv[i] = weight[((oc * params.IC + ics[i]) * K + kh) * K + kw]; }
        for (var i = 0u; i < BLOCK; i++) {
          for (var j = 0u; j < BLOCK; j++) { acc[i][j] = fma(wv[i], dv[j], acc[i][j]); }
        }
      }
    }
  }
  for (var i = 0u; i < BLOCK; i++) {
    let ic = ic0 + i;
    if (ic >= params.IC) { break; }
    for (var j = 0u; j < BLOCK; j++) {
      let p = p0 + j;
      if (p >= HW) { break; }
      let at = (n * params.IC + ic) * HW + p;
      var v = acc[i][j];
      if (params.beta != 0.0) { v += params.beta * dinp[at]; }
      dinp[at] = v;
    }
  }
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

  var ocs: array<u32, 4>;
  for (var i = 0u; i < BLOCK; i++) { ocs[i] = min(oc0 + i, params.OC - 1u); }
  var ics: array<u32, 4>;    // the column's input channel
  var khs: array<i32, 4>;    // and kernel offsets
  var kws: array<i32, 4>;
  var isBias: array<bool, 4>;
  for (var j = 0u; j < BLOCK; j++) {
    let col = min(col0 + j, cols - 1u);
    isBias[j] = col == cols - 1u;
    let c = min(col, cols - 2u);  // a valid weight column even for the bias column
    ics[j] = c / KK;
    khs[j] = i32((c % KK) / K) - i32(params.pad);
    kws[j] = i32(c % K) - i32(params.pad);
  }

  var acc: array<array<f32, 4>, 4>;  // [channel i][column j]
  let total = params.N * OHW;
  let qEnd = min(total, (chunkId + 1u) * params.chunk);
  for (var q = chunkId * params.chunk; q < qEnd; q++) {
    let n = q / OHW;
    let p = q % OHW;
    let ihBase = i32((p / params.OW) * params.stride);
    let iwBase = i32((p % params.OW) * params.stride);
    var dv: array<f32, 4>;
    for (var i = 0u; i < BLOCK; i++) { dv[i] = dout[(n * params.OC + ocs[i]) * OHW + p]; }
    var xv: array<f32, 4>;
    for (var j = 0u; j < BLOCK; j++) {
      let ih = ihBase + khs[j];
      let iw = iwBase + kws[j];
      let inside = ih >= 0 && ih < i32(params.H) && iw >= 0 && iw < i32(params.W);
      let at = ((n * params.IC + ics[j]) * params.H + u32(clamp(ih, 0, i32(params.H) - 1))) * params.W + u32(clamp(iw, 0, i32(params.W) - 1));
      xv[j] = select(select(0.0, inp[at], inside), 1.0, isBias[j]);
    }
    for (var i = 0u; i < BLOCK; i++) {
      for (var j = 0u; j < BLOCK; j++) { acc[i][j] = fma(dv[i], xv[j], acc[i][j]); }
    }
  }
  for (var i = 0u; i < BLOCK; i++) {
    let oc = oc0 + i;
    if (oc >= params.OC) { break; }
    for (var j = 0u; j < BLOCK; j++) {
      let col = col0 + j;
      if (col >= cols) { break; }
      partial[(chunkId * params.OC + oc) * cols + col] = acc[i][j];
    }
  }
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
