/**
 * Training progress on stderr: a bar with the loss and the time left on a terminal, plain lines
 * (at most one a second, and the last epoch) when stderr is a pipe or a file, nothing with --quiet.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { EpochInfo } from '../index.js';

export interface Progress {
  epoch(e: EpochInfo): void;
  stop(): void;
}

export function progress(total: number, label: string, quiet: boolean): Progress {
  if (quiet) return { epoch: () => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: `${label} [{bar}] epoch {value}/{total} | loss {loss} | {duration_formatted} elapsed, {eta_formatted} left`, hideCursor: true, etaBuffer: 20 },
      Presets.shades_classic,
    );
    bar.start(total, 0, { loss: '-' });
    return { epoch: (e) => bar.update(e.epoch, { loss: e.loss.toPrecision(6) }), stop: () => bar.stop() };
  }
  let last = -Infinity;
  let pending: EpochInfo | null = null;
  const line = (e: EpochInfo) => process.stderr.write(`${label} epoch ${e.epoch}/${total} loss ${e.loss.toPrecision(6)} ${(e.timeMs / 1000).toFixed(2)} s\n`);
  return {
    epoch(e) {
      pending = e;
      const now = performance.now();
      if (now - last >= 1000) {
        line(e);
        last = now;
        pending = null;
      }
    },
    stop() {
      if (pending) line(pending);
      pending = null;
    },
  };
}
