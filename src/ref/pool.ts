// CPU reference of shaders/nn/pool.wgsl in double precision (backward in scatter form).
import { poolDims, type PoolShape } from '../nn/pool';

export interface MaxPoolRef {
  out: Float64Array; // (N, C, OH, OW)
  argmax: Uint32Array; // (N, C, OH, OW), ih·W + iw of the first maximum
}

export function maxPoolForwardRef(inp: ArrayLike<number>, shape: PoolShape): MaxPoolRef {
  const { NC, H, W, OH, OW, K, stride } = poolDims('maxPoolForwardRef', shape);
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
  const { NC, H, W, OH, OW } = poolDims('maxPoolBackwardRef', shape);
  const dinp = new Float64Array(NC * H * W);
  for (let c = 0; c < NC; c++) {
    for (let o = 0; o < OH * OW; o++) dinp[c * H * W + argmax[c * OH * OW + o]] += dout[c * OH * OW + o];
  }
  return dinp;
}

/** The tangent of max-pooling: each output takes the input tangent at its window's argmax. */
export function maxPoolTangentRef(tangent: ArrayLike<number>, argmax: ArrayLike<number>, shape: PoolShape): Float64Array {
  const { NC, H, W, OH, OW } = poolDims('maxPoolTangentRef', shape);
  const out = new Float64Array(NC * OH * OW);
  for (let c = 0; c < NC; c++) for (let o = 0; o < OH * OW; o++) out[c * OH * OW + o] = tangent[c * H * W + argmax[c * OH * OW + o]];
  return out;
}

export function avgPoolForwardRef(inp: ArrayLike<number>, shape: PoolShape): Float64Array {
  const { NC, H, W, OH, OW, K, stride } = poolDims('avgPoolForwardRef', shape);
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
  const { NC, H, W, OH, OW, K, stride } = poolDims('avgPoolBackwardRef', shape);
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
