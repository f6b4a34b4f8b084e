// Training progress: a one-line bar redrawn in place on a TTY (epoch, step,
// loss, last valid metric, ETA), plain lines otherwise (one per epoch), so CI
// logs stay readable.

export interface ProgressSink {
  step(info: { stage: string; epoch: number; epochs: number; step: number; steps: number; loss: number }): void;
  epoch(info: { stage: string; epoch: number; epochs: number; trainLoss: number; valid?: number; metric?: string; seconds: number; best?: boolean }): void;
  done(): void;
}

export function consoleProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressSink {
  const tty = stream.isTTY === true;
  let started = Date.now();
  let lastDraw = 0;
  return {
    step(i) {
      if (quiet || !tty) return;
      const now = Date.now();
      if (i.step === 1) started = now;
      if (now - lastDraw < 100 && i.step !== i.steps) return;
      lastDraw = now;
      const frac = i.steps ? i.step / i.steps : 0;
      const width = 24;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '·');
      const eta = frac > 0 ? ((now - started) / frac - (now - started)) / 1000 : 0;
      stream.write(`\r${i.stage} ${i.epoch + 1}/${i.epochs} ${bar} ${i.step}/${i.steps} loss ${i.loss.toFixed(4)} eta ${eta.toFixed(0)}s   `);
    },
    epoch(i) {
      if (quiet) return;
      const valid = i.valid === undefined ? '' : ` valid ${i.metric ?? 'metric'} ${i.valid.toFixed(4)}${i.best ? ' *' : ''}`;
      stream.write(`${tty ? '\r' : ''}${i.stage} epoch ${i.epoch + 1}/${i.epochs} loss ${i.trainLoss.toFixed(4)}${valid} (${i.seconds.toFixed(1)}s)${tty ? '          ' : ''}\n`);
    },
    done() {},
  };
}

export const silentProgress: ProgressSink = { step() {}, epoch() {}, done() {} };
