// CPU references of shaders/nn/gelu.wgsl (tanh form), in double precision.
type Arr = ArrayLike<number>;

const S = Math.sqrt(2 / Math.PI);
const K = 0.044715;

export function geluForwardRef(x: Arr): Float64Array {
  return Float64Array.from(x, (v) => 0.5 * v * (1 + Math.tanh(S * (v + K * v * v * v))));
}

/** dinp = dout · gelu'(x). */
export function geluBackwardRef(x: Arr, dout: Arr): Float64Array {
  return Float64Array.from(x, (v, i) => {
    const th = Math.tanh(S * (v + K * v * v * v));
    return dout[i] * (0.5 * (1 + th) + 0.5 * v * (1 - th * th) * S * (1 + 3 * K * v * v));
  });
}

/** gelu''(x), the derivative of gelu'(x) (tanh form). */
export function geluGrad2Ref(x: number): number {
  const u = S * (x + K * x * x * x);
  const du = S * (1 + 3 * K * x * x);
  const ddu = 6 * S * K * x;
  const th = Math.tanh(u);
  return (1 - th * th) * (du + x * (ddu / 2 - th * du * du));
}

/** The second-order term of the tangent of geluBackwardRef: dout · gelu''(x) · ẋ. */
export function geluBackwardTangentRef(x: Arr, xdot: Arr, dout: Arr): Float64Array {
  return Float64Array.from(x, (v, i) => dout[i] * geluGrad2Ref(v) * xdot[i]);
}
