// CPU reference of shaders/nn/relu.wgsl.

export function reluForwardRef(inp: ArrayLike<number>): Float64Array {
  return Float64Array.from(inp, (x) => (x > 0 ? x : 0));
}

/** dinp = dout where act > 0 (act: the forward input or output), else 0. */
export function reluBackwardRef(act: ArrayLike<number>, dout: ArrayLike<number>): Float64Array {
  return Float64Array.from(dout, (g, i) => (act[i] > 0 ? g : 0));
}
