/**
 * Training progress on the terminal: a cli-progress bar (epoch, step, loss,
 * samples/s, ETA) when stderr is a terminal, plain lines otherwise (one per
 * epoch, plus one every ~10 s inside long epochs), so logs stay readable.
 */
import cliProgress from 'cli-progress';
import { type ProgressEvent } from '../train/trainer.js';

const fmt = (v: number | undefined, digits = 4) => (v === undefined ? '-' : Number.isFinite(v) ? (Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(digits)) : String(v));

/** Formats seconds as 1h02m, 3m05s or 12s. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Metrics that repeat another when the loss has no other term: the loss then IS the reconstruction error. */
const SAME_AS: Record<string, string> = { reconstruction: 'loss', valReconstruction: 'valLoss' };

/**
 * One epoch's metrics as `loss 0.0934 · valLoss 0.0951`; the reconstruction
 * term is left out where it prints the same as the loss it makes up alone.
 */
export function formatMetrics(metrics: Record<string, number>): string {
  const shown = Object.entries(metrics).filter(([k, v]) => !(Object.hasOwn(SAME_AS, k) && metrics[SAME_AS[k]!] !== undefined && fmt(metrics[SAME_AS[k]!]) === fmt(v)));
  return shown.map(([k, v]) => `${k} ${fmt(v)}`).join(' · ');
}

export interface ProgressView {
  onEvent(e: ProgressEvent): void;
  /** Clears the bar (before printing something else or exiting). */
  stop(): void;
}

/**
 * A progress view for `epochs` epochs. `tty` chooses the bar; `log` receives
 * plain lines (the bar itself goes to stderr).
 */
export function progressView(epochs: number, log: (line: string) => void, tty = Boolean(process.stderr.isTTY)): ProgressView {
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = performance.now();
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    onEvent(e) {
      if (e.type === 'batch') {
        if (tty) {
          const payload = { epoch: e.epoch, epochs, loss: fmt(e.loss), rate: Math.round(e.samplesPerSec), eta: formatDuration(e.etaSeconds ?? NaN) };
          if (!bar) {
            bar = new cliProgress.SingleBar({
              format: 'epoch {epoch}/{epochs} |{bar}| {value}/{total} steps · loss {loss} · {rate} samples/s · ETA {eta}',
              hideCursor: true, clearOnComplete: true, stream: process.stderr,
            }, cliProgress.Presets.shades_classic);
            bar.start(e.batches ?? 0, e.batch, payload);
          }
          if (e.batches !== undefined) bar.setTotal(e.batches);
          bar.update(e.batch, payload);
        } else if (performance.now() - lastLine > 10_000) {
          lastLine = performance.now();
          log(`  epoch ${e.epoch}/${epochs} step ${e.batch}${e.batches ? `/${e.batches}` : ''} · loss ${fmt(e.loss)} · ${Math.round(e.samplesPerSec)} samples/s · ETA ${formatDuration(e.etaSeconds ?? NaN)}`);
        }
        return;
      }
      stopBar();
      lastLine = performance.now();
      log(`epoch ${e.epoch}/${epochs} · ${formatMetrics(e.metrics)} · ${e.seconds.toFixed(1)} s`);
    },
    stop: stopBar,
  };
}
