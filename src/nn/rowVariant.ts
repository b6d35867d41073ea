// How the per-row kernels (layernorm rows, softmax cross-entropy) map threads to rows.
//   threadPerRow     one thread loops over a row: no barriers. On the SwiftShader CPU adapter
//                    20–40× faster than workgroupPerRow (layernorm at N = 1024–2048 rows,
//                    C = 128–256), and cheap on GPUs at the playground's sizes.
//   workgroupPerRow  one workgroup per row, a tree reduction in workgroup memory: coalesced
//                    reads, for long rows (large C or V) on GPUs.
import { grid1d } from '../gpu/dispatch';

export type RowVariant = 'threadPerRow' | 'workgroupPerRow';

export const DEFAULT_ROW_VARIANT: RowVariant = 'threadPerRow';

/** Threads per workgroup of the row kernels (a power of two: the tree halves it). */
export const ROW_WORKGROUP = 64;

/** Shaders a row kernel appends (`includes`): its thread → row mapping, rowOf/laneOf/laneCount. */
export const ROW_INCLUDES: readonly string[] = ['util/rows'];

/** Workgroup grid for N rows: one workgroup per row, or one thread per row. */
export function rowGrid(N: number, variant: RowVariant): [number, number, number] {
  return grid1d(N, variant === 'workgroupPerRow' ? 1 : ROW_WORKGROUP);
}
