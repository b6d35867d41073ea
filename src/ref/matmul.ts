// CPU reference of shaders/nn/matmul.wgsl, accumulated in double precision.
import type { MatmulShape } from '../nn/matmul';

export function matmulRef(a: Float32Array, b: Float32Array, c: Float32Array, shape: MatmulShape, bias?: Float32Array): Float32Array {
  const { M, N, K } = shape;
  const batch = shape.batch ?? 1;
  const sA = shape.strideA ?? M * K;
  const sB = shape.strideB ?? K * N;
  const sC = shape.strideC ?? M * N;
  const alpha = shape.alpha ?? 1;
  const beta = shape.beta ?? 0;
  const out = new Float32Array(c);
  for (let z = 0; z < batch; z++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = shape.transA ? a[z * sA + k * M + i] : a[z * sA + i * K + k];
          const bv = shape.transB ? b[z * sB + j * K + k] : b[z * sB + k * N + j];
          s += av * bv;
        }
        const at = z * sC + i * N + j;
        let v = alpha * s;
        if (beta !== 0) v += beta * c[at];
        if (bias) v += bias[j];
        out[at] = v;
      }
    }
  }
  return out;
}
