// Training progress: a one-line bar redrawn in place on a TTY (stage, epoch,
// bar, step, loss, the last valid metric, ETA of the stage), plain lines
// otherwise (one per epoch), so CI logs stay readable.
//
// ETA: the rest of this epoch at this epoch's rate per step, plus the
// remaining epochs at the last whole epoch's duration (evaluation included),
// or at the step rate before one has finished. With early stopping it is an
// upper bound. Redraws are throttled to one per 100 ms (and the last step).

export interface ProgressSink {
  step(info: { stage: string; epoch: number; epochs: number; step: number; steps: number; loss: number }): void;
  epoch(info: { stage: string; epoch: number; epochs: number; trainLoss: number; valid?: number; metric?: string; seconds: number; best?: boolean }): void;
  done(): void;
}

export interface ConsoleProgressOptions {
  /** default process.stderr; a TTY gets the bar */
  stream?: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;
  quiet?: boolean;
  /** milliseconds clock (tests pass a fake one) */
  now?: () => number;
}

/** Seconds as `42s`, `3m05s` or `1h02m`. */
export function formatEta(s: number): string {
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}

export function consoleProgress(o: ConsoleProgressOptions = {}): ProgressSink {
  const stream = o.stream ?? process.stderr;
  const quiet = o.quiet ?? false;
  const now = o.now ?? Date.now;
  const tty = stream.isTTY === true;
  let started = now();
  let lastDraw = -Infinity;
  let lastEpochSeconds: number | undefined;
  let stage = '';
  let valid = '';
  return {
    step(i) {
      if (quiet || !tty) return;
      const t = now();
      if (i.stage !== stage) {
        stage = i.stage;
        lastEpochSeconds = undefined;
        valid = '';
      }
      if (i.step === 1) started = t;
      if (t - lastDraw < 100 && i.step !== i.steps) return;
      lastDraw = t;
      const frac = i.steps ? i.step / i.steps : 0;
      const width = 24;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '·');
      const perStep = i.step > 1 ? (t - started) / 1000 / (i.step - 1) : undefined;
      const rest = i.epochs - i.epoch - 1;
      const later = lastEpochSeconds ?? (perStep !== undefined ? perStep * i.steps : undefined);
      const eta = perStep !== undefined && later !== undefined ? ` eta ${formatEta(perStep * (i.steps - i.step) + rest * later)}` : '';
      stream.write(`\r${i.stage} ${i.epoch + 1}/${i.epochs} ${bar} ${i.step}/${i.steps} loss ${i.loss.toFixed(4)}${valid}${eta}   `);
    },
    epoch(i) {
      if (quiet) return;
      lastEpochSeconds = i.seconds;
      valid = i.valid === undefined ? '' : ` ${i.metric ?? 'valid'} ${i.valid.toFixed(4)}`;
      const line = i.valid === undefined ? '' : `${valid}${i.best ? ' *' : ''}`;
      stream.write(`${tty ? '\r' : ''}${i.stage} epoch ${i.epoch + 1}/${i.epochs} loss ${i.trainLoss.toFixed(4)}${line} (${i.seconds.toFixed(1)}s)${tty ? '          ' : ''}\n`);
    },
    done() {},
  };
}

export const silentProgress: ProgressSink = { step() {}, epoch() {}, done() {} };
