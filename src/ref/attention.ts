// CPU references of shaders/nn/attention.wgsl (causal multi-head self-attention), in double
// precision. qkv (B,T,3C) = q | k | v along channels, head h owns channels h·HS … h·HS+HS−1.
type Arr = ArrayLike<number>;

export interface AttentionRefShape {
  B: number;
  T: number;
  C: number;
  NH: number;
}

/** out (B,T,C) and att (B,NH,T,T) (zero above the diagonal). */
export function attentionForwardRef(qkv: Arr, s: AttentionRefShape): { out: Float64Array; att: Float64Array } {
  const { B, T, C, NH } = s;
  const HS = C / NH;
  const scale = 1 / Math.sqrt(HS);
  const att = new Float64Array(B * NH * T * T);
  const out = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      for (let t = 0; t < T; t++) {
        const row = ((b * NH + h) * T + t) * T;
        let mx = -Infinity;
        for (let t2 = 0; t2 <= t; t2++) {
          let dot = 0;
          for (let d = 0; d < HS; d++) dot += qkv[(b * T + t) * 3 * C + h * HS + d] * qkv[(b * T + t2) * 3 * C + C + h * HS + d];
          att[row + t2] = dot * scale;
          mx = Math.max(mx, dot * scale);
        }
        let sum = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          att[row + t2] = Math.exp(att[row + t2] - mx);
          sum += att[row + t2];
        }
        for (let t2 = 0; t2 <= t; t2++) att[row + t2] /= sum;
        for (let d = 0; d < HS; d++) {
          let v = 0;
          for (let t2 = 0; t2 <= t; t2++) v += att[row + t2] * qkv[(b * T + t2) * 3 * C + 2 * C + h * HS + d];
          out[(b * T + t) * C + h * HS + d] = v;
        }
      }
    }
  }
  return { out, att };
}

/** dqkv (B,T,3C) given dout (B,T,C). */
export function attentionBackwardRef(qkv: Arr, dout: Arr, s: AttentionRefShape): Float64Array {
  const { B, T, C, NH } = s;
  const HS = C / NH;
  const scale = 1 / Math.sqrt(HS);
  const { att } = attentionForwardRef(qkv, s);
  const dqkv = new Float64Array(B * T * 3 * C);
  const dp = new Float64Array(T);
  const q = (b: number, t: number, h: number, d: number) => (b * T + t) * 3 * C + h * HS + d;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      for (let t = 0; t < T; t++) {
        const row = ((b * NH + h) * T + t) * T;
        let sum = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          let v = 0;
          for (let d = 0; d < HS; d++) v += dout[(b * T + t) * C + h * HS + d] * qkv[q(b, t2, h, d) + 2 * C];
          dp[t2] = v;
          sum += att[row + t2] * v;
          for (let d = 0; d < HS; d++) dqkv[q(b, t2, h, d) + 2 * C] += att[row + t2] * dout[(b * T + t) * C + h * HS + d];
        }
        for (let t2 = 0; t2 <= t; t2++) {
          const g = scale * att[row + t2] * (dp[t2] - sum);
          for (let d = 0; d < HS; d++) {
            dqkv[q(b, t, h, d)] += g * qkv[q(b, t2, h, d) + C];
            dqkv[q(b, t2, h, d) + C] += g * qkv[q(b, t, h, d)];
          }
        }
      }
    }
  }
  return dqkv;
}

/**
 * Tangents along qkvDot (a tangent of qkv): of att, ȧ = att ⊙ (ṡ − Σ att·ṡ) per row with
 * ṡ = scale·(q̇·k + q·k̇), and of out, ȧ·v + att·v̇.
 */
export function attentionForwardTangentRef(qkv: Arr, qkvDot: Arr, s: AttentionRefShape): { out: Float64Array; att: Float64Array } {
  const { B, T, C, NH } = s;
  const HS = C / NH;
  const scale = 1 / Math.sqrt(HS);
  const { att } = attentionForwardRef(qkv, s);
  const attDot = new Float64Array(B * NH * T * T);
  const out = new Float64Array(B * T * C);
  const q = (b: number, t: number, h: number, d: number) => (b * T + t) * 3 * C + h * HS + d;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      for (let t = 0; t < T; t++) {
        const row = ((b * NH + h) * T + t) * T;
        const sd = new Float64Array(t + 1);
        let mean = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          let dot = 0;
          for (let d = 0; d < HS; d++) dot += qkvDot[q(b, t, h, d)] * qkv[q(b, t2, h, d) + C] + qkv[q(b, t, h, d)] * qkvDot[q(b, t2, h, d) + C];
          sd[t2] = scale * dot;
          mean += att[row + t2] * sd[t2];
        }
        for (let t2 = 0; t2 <= t; t2++) attDot[row + t2] = att[row + t2] * (sd[t2] - mean);
        for (let d = 0; d < HS; d++) {
          let v = 0;
          for (let t2 = 0; t2 <= t; t2++) v += attDot[row + t2] * qkv[q(b, t2, h, d) + 2 * C] + att[row + t2] * qkvDot[q(b, t2, h, d) + 2 * C];
          out[(b * T + t) * C + h * HS + d] = v;
        }
      }
    }
  }
  return { out, att: attDot };
}

/** Tangent of attentionBackwardRef's dqkv along qkvDot and doutDot (tangents of qkv and dout). */
export function attentionBackwardTangentRef(qkv: Arr, qkvDot: Arr, dout: Arr, doutDot: Arr, s: AttentionRefShape): Float64Array {
  const { B, T, C, NH } = s;
  const HS = C / NH;
  const scale = 1 / Math.sqrt(HS);
  const { att } = attentionForwardRef(qkv, s);
  const attDot = attentionForwardTangentRef(qkv, qkvDot, s).att;
  const out = new Float64Array(B * T * 3 * C);
  const q = (b: number, t: number, h: number, d: number) => (b * T + t) * 3 * C + h * HS + d;
  const g = (b: number, t: number, h: number, d: number) => (b * T + t) * C + h * HS + d;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      for (let t = 0; t < T; t++) {
        const row = ((b * NH + h) * T + t) * T;
        const dp = new Float64Array(t + 1);
        const dpd = new Float64Array(t + 1);
        let S = 0;
        let Sd = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          for (let d = 0; d < HS; d++) {
            const v = qkv[q(b, t2, h, d) + 2 * C];
            dp[t2] += dout[g(b, t, h, d)] * v;
            dpd[t2] += doutDot[g(b, t, h, d)] * v + dout[g(b, t, h, d)] * qkvDot[q(b, t2, h, d) + 2 * C];
          }
          S += att[row + t2] * dp[t2];
          Sd += attDot[row + t2] * dp[t2] + att[row + t2] * dpd[t2];
        }
        for (let t2 = 0; t2 <= t; t2++) {
          const a = att[row + t2];
          const ad = attDot[row + t2];
          const dS = scale * a * (dp[t2] - S);
          const dSd = scale * (ad * (dp[t2] - S) + a * (dpd[t2] - Sd));
          for (let d = 0; d < HS; d++) {
            out[q(b, t, h, d)] += dSd * qkv[q(b, t2, h, d) + C] + dS * qkvDot[q(b, t2, h, d) + C];
            out[q(b, t2, h, d) + C] += dSd * qkv[q(b, t, h, d)] + dS * qkvDot[q(b, t, h, d)];
            out[q(b, t2, h, d) + 2 * C] += ad * dout[g(b, t, h, d)] + a * doutDot[g(b, t, h, d)];
          }
        }
      }
    }
  }
  return out;
}
