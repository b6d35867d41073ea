// CPU reference of shaders/nn/pool.wgsl in double precision (backward in scatter form).
import type { PoolShape } from '../nn/pool';

/**
 * The shape with its defaults (window K = 2, stride = K, as torch.nn.MaxPool2d's stride defaults
 * to kernel_size) and output sides as torch.nn.MaxPool2d / AvgPool2d document them (padding 0,
 * dilation 1, floor mode): OH = ⌊(H − K) / stride⌋ + 1, likewise OW. NC = N·C planes.
 */
function dimsRef(s: PoolShape) {
  const K = s.K ?? 2;
  const stride = s.stride ?? K;
  const OH = Math.floor((s.H - K) / stride) + 1;
  const OW = Math.floor((s.W - K) / stride) + 1;
  if (OH < 1 || OW < 1) throw new Error(`pool reference: window ${K} does not fit a ${s.H}×${s.W} input`);
  return { NC: s.N * s.C, H: s.H, W: s.W, OH, OW, K, stride };
}

export interface MaxPoolRef {
  out: Float64Array; // (N, C, OH, OW)
  argmax: Uint32Array; // (N, C, OH, OW), ih·W + iw of the first maximum
}

export function maxPoolForwardRef(inp: ArrayLike<number>, shape: PoolShape): MaxPoolRef {
  const { NC, H, W, OH, OW, K, stride } = dimsRef(shape);
  const out = new Float64Array(NC * OH * OW);
  const argmax = new Uint32Array(NC * OH * OW);
  for (let c = 0; c < NC; c++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity;
        let bestAt = 0;
        for (let kh = 0; kh < K; kh++) {
          for (let kw = 0; kw < K; kw++) {
            const at = (oh * stride + kh) * W + ow * stride + kw;
            if (inp[c * H * W + at] > best) {
              best = inp[c * H * W + at];
              bestAt = at;
            }
          }
        }
        out[(c * OH + oh) * OW + ow] = best;
        argmax[(c * OH + oh) * OW + ow] = bestAt;
      }
    }
  }
  return { out, argmax };
}

/** dinp (N, C, H, W): each output's gradient goes to its argmax. */
export function maxPoolBackwardRef(dout: ArrayLike<number>, argmax: ArrayLike<number>, shape: PoolShape): Float64Array {
  const { NC, H, W, OH, OW } = dimsRef(shape);
  const dinp = new Float64Array(NC * H * W);
  for (let c = 0; c < NC; c++) {
    for (let o = 0; o < OH * OW; o++) dinp[c * H * W + argmax[c * OH * OW + o]] += dout[c * OH * OW + o];
  }
  return dinp;
}

/** The tangent of max-pooling: each output takes the input tangent at its window's argmax. */
export function maxPoolTangentRef(tangent: ArrayLike<number>, argmax: ArrayLike<number>, shape: PoolShape): Float64Array {
  const { NC, H, W, OH, OW } = dimsRef(shape);
  const out = new Float64Array(NC * OH * OW);
  for (let c = 0; c < NC; c++) for (let o = 0; o < OH * OW; o++) out[c * OH * OW + o] = tangent[c * H * W + argmax[c * OH * OW + o]];
  return out;
}

export function avgPoolForwardRef(inp: ArrayLike<number>, shape: PoolShape): Float64Array {
  const { NC, H, W, OH, OW, K, stride } = dimsRef(shape);
  const out = new Float64Array(NC * OH * OW);
  for (let c = 0; c < NC; c++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let s = 0;
        for (let kh = 0; kh < K; kh++) {
          for (let kw = 0; kw < K; kw++) s += inp[(c * H + oh * stride + kh) * W + ow * stride + kw];
        }
        out[(c * OH + oh) * OW + ow] = s / (K * K);
      }
    }
  }
  return out;
}

/** dinp (N, C, H, W): each output's gradient spread evenly over its window. */
export function avgPoolBackwardRef(dout: ArrayLike<number>, shape: PoolShape): Float64Array {
  const { NC, H, W, OH, OW, K, stride } = dimsRef(shape);
  const dinp = new Float64Array(NC * H * W);
  for (let c = 0; c < NC; c++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const g = dout[(c * OH + oh) * OW + ow] / (K * K);
        for (let kh = 0; kh < K; kh++) {
          for (let kw = 0; kw < K; kw++) dinp[(c * H + oh * stride + kh) * W + ow * stride + kw] += g;
        }
      }
    }
  }
  return dinp;
}
