// Radix select of the γ-threshold over the IRE Hessian-diagonal estimate h (docs/algorithm.md "The flat mask"):
// the value thr of 0-based rank `rank` in sorted order, without a sort. h ≥ 0, so its f32 bit
// patterns order like u32 (the sign bit is masked off, so −0 counts as +0). Four passes of
// 8 bits, most significant first; each pass histograms the entries whose higher bits equal the
// prefix chosen so far, then one thread picks the bucket holding the remaining rank. The prefix,
// the remaining rank and the count below live in `state`, so the passes are plain dispatches:
//
//   init  →  (histogram, pick) × 4 with shift 24, 16, 8, 0  →  mask
//
// state (u32): [0] prefix of thr's bits chosen so far  [1] rank remaining inside that prefix
//              [2] entries below the prefix range      [3] entries ≤ thr (after the last pick)
//              [4] enabled (0: the mask is all zeros)
// Exact and deterministic: integer atomics on u32 counts give the same histogram in any order.

struct InitParams {
  rank: u32,     // 0-based rank of thr in ascending order, < n
  enabled: u32,  // 0 = empty mask (γ·p < 1)
}

struct HistogramParams {
  n: u32,         // P
  shift: u32,     // 24, 16, 8, 0: the byte of the bits this pass buckets
  highMask: u32,  // bits above this byte (already fixed in the prefix)
}

struct PickParams {
  shift: u32,
}

struct MaskParams {
  n: u32,               // P
  padCount: u32,        // padding entries (h = 0, always ≤ thr when enabled), left out of the count
  countIndex: u32,      // element of stats receiving the number of flagged real entries (f32)
  thresholdIndex: u32,  // element of stats receiving thr (f32)
}

const BUCKETS = 256u;
override WG: u32 = 256;  // histogram and mask threads per workgroup

// ---- init: one workgroup of BUCKETS threads; thread b clears bucket b, thread 0 resets the state.
// Bindings: 0 params InitParams, 1 state (8) u32 read_write, 2 hist (256) atomic u32.
@group(0) @binding(0) var<uniform> initParams: InitParams;
@group(0) @binding(1) var<storage, read_write> initState: array<u32>;
@group(0) @binding(2) var<storage, read_write> initHist: array<atomic<u32>>;

@compute @workgroup_size(BUCKETS, 1, 1)
fn init(@builtin(local_invocation_id) lid: vec3<u32>) {
  atomicStore(&initHist[lid.x], 0u);
  if (lid.x == 0u) {
    initState[0] = 0u;
    initState[1] = initParams.rank;
    initState[2] = 0u;
    initState[3] = 0u;
    initState[4] = initParams.enabled;
  }
}

// ---- histogram: G workgroups of WG threads, grid-stride loop over h; a workgroup-private
// histogram in workgroup memory, then one atomicAdd per non-empty bucket into hist.
// Bindings: 0 params HistogramParams, 1 h (P) f32 as u32 bits, 2 state (8) u32, 3 hist (256) atomic u32.
@group(0) @binding(0) var<uniform> histParams: HistogramParams;
@group(0) @binding(1) var<storage, read> histH: array<u32>;
@group(0) @binding(2) var<storage, read> histState: array<u32>;
@group(0) @binding(3) var<storage, read_write> histGlobal: array<atomic<u32>>;

var<workgroup> localHist: array<atomic<u32>, BUCKETS>;

@compute @workgroup_size(WG, 1, 1)
fn histogram(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
             @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var b = lid.x; b < BUCKETS; b += WG) { atomicStore(&localHist[b], 0u); }
  workgroupBarrier();
  let prefix = histState[0];
  let stride = nwg.x * WG;
  for (var i = wid.x * WG + lid.x; i < histParams.n; i += stride) {
    let bits = histH[i] & 0x7fffffffu;
    if ((bits & histParams.highMask) == prefix) {
      atomicAdd(&localHist[(bits >> histParams.shift) & 0xffu], 1u);
    }
  }
  workgroupBarrier();
  for (var b = lid.x; b < BUCKETS; b += WG) {
    let c = atomicLoad(&localHist[b]);
    if (c != 0u) { atomicAdd(&histGlobal[b], c); }
  }
}

// ---- pick: one thread scans the 256 buckets in order, keeps the one holding the remaining rank,
// adds its byte to the prefix, and clears the histogram for the next pass. After the last pass
// (shift 0) the prefix is thr's bit pattern and state[3] the number of entries ≤ thr.
// Bindings: 0 params PickParams, 1 state (8) u32 read_write, 2 hist (256) atomic u32.
@group(0) @binding(0) var<uniform> pickParams: PickParams;
@group(0) @binding(1) var<storage, read_write> pickState: array<u32>;
@group(0) @binding(2) var<storage, read_write> pickHist: array<atomic<u32>>;

@compute @workgroup_size(1, 1, 1)
fn pick() {
  var remaining = pickState[1];
  var below = pickState[2];
  var chosen = BUCKETS - 1u;
  var chosenCount = 0u;
  var found = false;
  for (var b = 0u; b < BUCKETS; b++) {
    let c = atomicLoad(&pickHist[b]);
    atomicStore(&pickHist[b], 0u);
    if (!found) {
      if (remaining < c) {
        chosen = b;
        chosenCount = c;
        found = true;
      } else {
        remaining -= c;
        below += c;
      }
    }
  }
  pickState[0] = pickState[0] | (chosen << pickParams.shift);
  pickState[1] = remaining;
  pickState[2] = below;
  if (pickParams.shift == 0u) { pickState[3] = below + chosenCount; }
}

// ---- mask: one thread per entry (grid1d folding): mask = (bits(h) ≤ bits(thr)), the same order
// as the histogram's (equal to h ≤ thr for h ≥ 0, with no flush of subnormals). Thread 0 also
// writes the flagged count (padding excluded) and thr into stats.
// Bindings: 0 params MaskParams, 1 h (P) f32 as u32 bits, 2 state (8) u32, 3 mask (P) u32 0/1,
//           4 stats f32 (≥ max(countIndex, thresholdIndex) + 1).
@group(0) @binding(0) var<uniform> maskParams: MaskParams;
@group(0) @binding(1) var<storage, read> maskH: array<u32>;
@group(0) @binding(2) var<storage, read> maskState: array<u32>;
@group(0) @binding(3) var<storage, read_write> maskOut: array<u32>;
@group(0) @binding(4) var<storage, read_write> maskStats: array<f32>;

@compute @workgroup_size(WG, 1, 1)
fn mask(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * (nwg.x * WG);
  let enabled = maskState[4] != 0u;
  let thr = maskState[0];
  if (i == 0u) {
    var count = 0u;
    if (enabled) { count = maskState[3] - min(maskState[3], maskParams.padCount); }
    maskStats[maskParams.countIndex] = f32(count);
    maskStats[maskParams.thresholdIndex] = select(-1.0, bitcast<f32>(thr), enabled);
  }
  if (i >= maskParams.n) { return; }
  maskOut[i] = select(0u, 1u, enabled && (maskH[i] & 0x7fffffffu) <= thr);
}
