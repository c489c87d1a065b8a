/**
 * The machine's single-core limits, measured on the machine the suite runs on with the small
 * wasm SIMD128 kernels of bench/limits/limits.wat (assembled here with wabt, no build step):
 * streaming-read bandwidth of a large buffer, the read bandwidth of rows gathered in shuffled
 * order, and peak f32x4 multiply-add throughput (in registers, and from an L1-resident buffer).
 *
 * One epoch of a linear model reads every row once and does about 4·n·d·k flops (the forward
 * dot products and the gradient's multiply-adds, 2 flops each, each with a load of the feature),
 * so no implementation on one core can run an epoch faster than max(bytes / bandwidth,
 * flops / in-cache peak); that is the limit the suite reports its throughputs against (issue 5).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import wabtInit from 'wabt';
import { mulberry32 } from './data.js';

interface Kernels {
  readonly memory: WebAssembly.Memory;
  readSum(p: number, bytes: number): number;
  gatherSum(idx: number, rows: number, base: number, rowBytes: number): number;
  gather8Sum(idx: number, rows: number, base: number, rowBytes: number): number;
  gather16Sum(idx: number, rows: number, base: number, rowBytes: number): number;
  maddRegs(iters: number): number;
  maddL1(base: number, bytes: number, iters: number): number;
}

const PAGE = 65536;

async function loadKernels(): Promise<Kernels> {
  const wabt = await wabtInit();
  const text = readFileSync(new URL('../limits/limits.wat', import.meta.url), 'utf8');
  const mod = wabt.parseWat('limits.wat', text, { simd: true });
  try {
    mod.validate();
    const { buffer } = mod.toBinary({});
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(buffer)));
    return instance.exports as unknown as Kernels;
  } finally {
    mod.destroy();
  }
}

function ensureBytes(k: Kernels, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / PAGE));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Seconds of `run()`, best of `reps` after a warm-up. V8 first runs wasm in its baseline
 * compiler (Liftoff) and optimizes it in the background once it is hot; a running call keeps
 * its tier, so the warm-up makes short calls and then waits for the optimized code.
 */
async function timeBest(run: () => number, warm: () => number, reps: number): Promise<number> {
  for (let i = 0; i < 30; i++) warm();
  await sleep(100);
  for (let i = 0; i < 5; i++) warm();
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    sink += run();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  if (Number.isNaN(sink)) throw new Error('limits: a kernel returned NaN');
  return best;
}

export interface GatherLimit {
  readonly n: number;
  readonly d: number;
  /** Bytes per second reading n rows of d float32 in a seeded random order, one row after another (median of 3). */
  readonly rowByRow: number;
  /** The same, eight rows at a time (median of 3). */
  readonly eightRows: number;
  /** The same, sixteen rows at a time (median of 3). */
  readonly sixteenRows: number;
  /** The best of the three. */
  readonly bytesPerSecond: number;
}

export interface Limits {
  /** Streaming read of `readBytes`, bytes per second (best of the repetitions). */
  readonly readBytesPerSecond: number;
  readonly readBytes: number;
  /** Peak multiply-add flops per second with everything in registers (2 flops per lane). */
  readonly maddRegsFlops: number;
  /** Multiply-add flops per second from an L1-resident buffer (one load per multiply-add). */
  readonly maddL1Flops: number;
  /**
   * The peak the suite uses: the in-cache figure, as issue 5 defines the limit. A training
   * kernel loads every feature value at least once per multiply-add; the register-only figure
   * is what a kernel that loaded nothing could do, shown for reference.
   */
  readonly peakFlops: number;
  readonly gather: GatherLimit[];
}

/**
 * Measures the limits. `readBytes`: size of the streamed buffer (the issue uses 400 MB);
 * `shapes`: the (n, d) of the suite, for the shuffled-read bandwidth of each.
 */
export async function measureLimits(readBytes: number, shapes: readonly { n: number; d: number }[], quick: boolean): Promise<Limits> {
  const k = await loadKernels();
  const reps = quick ? 2 : 5;
  const base = PAGE; // keep page 0 for scratch

  // Streaming read. The pages are written first, so the read does not measure page faults.
  ensureBytes(k, base + readBytes);
  new Float32Array(k.memory.buffer, base, readBytes / 4).fill(1);
  const readS = await timeBest(
    () => k.readSum(base, readBytes),
    () => k.readSum(base, 1 << 16),
    reps,
  );

  // Peak multiply-add in registers: 12 chains × 4 lanes × 2 flops per iteration.
  const regIters = quick ? 2_000_000 : 40_000_000;
  const regS = await timeBest(
    () => k.maddRegs(regIters),
    () => k.maddRegs(10_000),
    reps,
  );

  // In-cache multiply-add: 8 KiB buffer (L1 is 32 KiB or more), 8 f32x4 multiply-adds a pass.
  const l1Bytes = 8192;
  new Float32Array(k.memory.buffer, base, l1Bytes / 4).fill(0.5);
  const l1Iters = quick ? 20_000 : 400_000;
  const l1S = await timeBest(
    () => k.maddL1(base, l1Bytes, l1Iters),
    () => k.maddL1(base, l1Bytes, 100),
    reps,
  );

  // Rows gathered in shuffled order: the memory traffic of a shuffled epoch.
  const gather: GatherLimit[] = [];
  for (const { n, d } of shapes) {
    const rowBytes = d * 4;
    if (rowBytes % 128 !== 0) throw new Error(`limits: the gather kernel reads rows of a multiple of 128 bytes, d = ${d} is not`);
    const idxBytes = Math.ceil((n * 4) / PAGE) * PAGE;
    const dataBase = base + idxBytes;
    ensureBytes(k, dataBase + n * rowBytes);
    const idx = new Uint32Array(k.memory.buffer, base, n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const rand = mulberry32(n ^ d);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    new Float32Array(k.memory.buffer, dataBase, n * d).fill(1);
    const rows8 = n - (n % 8);
    const rows16 = n - (n % 16);
    await timeBest(
      () => 0,
      () =>
        k.gatherSum(base, Math.min(n, 1000), dataBase, rowBytes) +
        k.gather8Sum(base, Math.min(rows8, 1000), dataBase, rowBytes) +
        k.gather16Sum(base, Math.min(rows16, 1024), dataBase, rowBytes),
      1,
    );
    const one: number[] = [];
    const eight: number[] = [];
    const sixteen: number[] = [];
    for (let r = 0; r < 3; r++) {
      let t0 = performance.now();
      k.gatherSum(base, n, dataBase, rowBytes);
      one.push((n * rowBytes) / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      k.gather8Sum(base, rows8, dataBase, rowBytes);
      eight.push((rows8 * rowBytes) / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      k.gather16Sum(base, rows16, dataBase, rowBytes);
      sixteen.push((rows16 * rowBytes) / ((performance.now() - t0) / 1000));
    }
    const rowByRow = median(one);
    const eightRows = median(eight);
    const sixteenRows = median(sixteen);
    gather.push({ n, d, rowByRow, eightRows, sixteenRows, bytesPerSecond: Math.max(rowByRow, eightRows, sixteenRows) });
  }

  const maddRegsFlops = (regIters * 12 * 4 * 2) / regS;
  const maddL1Flops = ((l1Iters * l1Bytes) / 16) * 4 * 2 / l1S;
  return {
    readBytesPerSecond: readBytes / readS,
    readBytes,
    maddRegsFlops,
    maddL1Flops,
    peakFlops: maddL1Flops,
    gather,
  };
}

/**
 * Seconds per epoch that no single-core implementation can beat: max(bytes / bandwidth,
 * flops / peak). With `shuffled`, the bandwidth is that of rows read in a shuffled order
 * (measured for this n and d), the ceiling of an epoch that reshuffles its rows.
 */
export function epochLimitSeconds(limits: Limits, n: number, d: number, k: number, shuffled = false): number {
  const bytes = n * (d + 1) * 4;
  const flops = 4 * n * d * k;
  const g = limits.gather.find((x) => x.n === n && x.d === d);
  if (shuffled && !g) throw new Error(`limits: no shuffled-read measurement for ${n} × ${d}`);
  const bandwidth = shuffled ? g!.bytesPerSecond : limits.readBytesPerSecond;
  return Math.max(bytes / bandwidth, flops / limits.peakFlops);
}
