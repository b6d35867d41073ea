// CPU reference of shaders/nn/conv2d.wgsl, in double precision (scatter form, written
// independently of the kernels' gather form).
import type { Conv2dShape } from '../nn/conv2d';

/**
 * The shape with its defaults (stride 1, padding 0) and output sides as torch.nn.Conv2d documents
 * them (dilation 1): OH = ⌊(H + 2·pad − K) / stride⌋ + 1, likewise OW.
 */
function dimsRef(s: Conv2dShape) {
  const stride = s.stride ?? 1;
  const pad = s.pad ?? 0;
  const OH = Math.floor((s.H + 2 * pad - s.K) / stride) + 1;
  const OW = Math.floor((s.W + 2 * pad - s.K) / stride) + 1;
  if (OH < 1 || OW < 1) throw new Error(`conv2d reference: kernel ${s.K} with pad ${pad} does not fit a ${s.H}×${s.W} input`);
  return { ...s, stride, pad, OH, OW };
}

/** out (N, OC, OH, OW) = conv2d(inp (N, IC, H, W), weight (OC, IC, K, K)) + bias (OC). */
export function conv2dForwardRef(inp: ArrayLike<number>, weight: ArrayLike<number>, bias: ArrayLike<number>, shape: Conv2dShape): Float64Array {
  const { N, IC, H, W, OC, K, stride, pad, OH, OW } = dimsRef(shape);
  const out = new Float64Array(N * OC * OH * OW);
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let s = bias[oc];
          for (let ic = 0; ic < IC; ic++) {
            for (let kh = 0; kh < K; kh++) {
              const ih = oh * stride - pad + kh;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < K; kw++) {
                const iw = ow * stride - pad + kw;
                if (iw < 0 || iw >= W) continue;
                s += weight[((oc * IC + ic) * K + kh) * K + kw] * inp[((n * IC + ic) * H + ih) * W + iw];
              }
            }
          }
          out[((n * OC + oc) * OH + oh) * OW + ow] = s;
        }
      }
    }
  }
  return out;
}

export interface Conv2dGradsRef {
  dinp: Float64Array; // (N, IC, H, W)
  dweight: Float64Array; // (OC, IC, K, K)
  dbias: Float64Array; // (OC)
}

/** Gradients of Σ out·dout with respect to inp, weight and bias (each output scatters its share). */
export function conv2dBackwardRef(inp: ArrayLike<number>, weight: ArrayLike<number>, dout: ArrayLike<number>, shape: Conv2dShape): Conv2dGradsRef {
  const { N, IC, H, W, OC, K, stride, pad, OH, OW } = dimsRef(shape);
  const dinp = new Float64Array(N * IC * H * W);
  const dweight = new Float64Array(OC * IC * K * K);
  const dbias = new Float64Array(OC);
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const g = dout[((n * OC + oc) * OH + oh) * OW + ow];
          dbias[oc] += g;
          for (let ic = 0; ic < IC; ic++) {
            for (let kh = 0; kh < K; kh++) {
              const ih = oh * stride - pad + kh;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < K; kw++) {
                const iw = ow * stride - pad + kw;
                if (iw < 0 || iw >= W) continue;
                const wi = ((oc * IC + ic) * K + kh) * K + kw;
                const xi = ((n * IC + ic) * H + ih) * W + iw;
                dinp[xi] += g * weight[wi];
                dweight[wi] += g * inp[xi];
              }
            }
          }
        }
      }
    }
  }
  return { dinp, dweight, dbias };
}
