// Training progress output: on a TTY one line redrawn in place (bar, step,
// loss, the last valid metric, the stage's ETA); elsewhere one plain line per
// epoch and nothing per step; quiet prints nothing.

import { describe, expect, it } from 'vitest';
import { consoleProgress, formatEta } from '../../../runtime/train/progress.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => (out.push(s), true) } };
}

/** Two epochs of four steps, one second per step, each epoch 5 s in all (1 s of evaluation). */
function drive(p: ReturnType<typeof consoleProgress>, clock: { t: number }) {
  for (let epoch = 0; epoch < 2; epoch++) {
    for (let step = 1; step <= 4; step++) {
      p.step({ stage: 'main', epoch, epochs: 3, step, steps: 4, loss: 0.5 / (step + epoch) });
      clock.t += 1000;
    }
    p.epoch({ stage: 'main', epoch, epochs: 3, trainLoss: 0.25, valid: 0.0312 + epoch / 100, metric: 'valid.ic', seconds: 5, best: epoch === 0 });
  }
  p.done();
}

describe('progress', () => {
  it('TTY: a bar redrawn with \\r, showing the valid metric and the ETA', () => {
    const { out, stream } = sink(true);
    const clock = { t: 0 };
    drive(consoleProgress({ stream, now: () => clock.t }), clock);
    const steps = out.filter((s) => !s.endsWith('\n'));
    expect(steps).toHaveLength(8);
    for (const s of steps) expect(s.startsWith('\r')).toBe(true);
    // epoch 1, step 1: no rate yet; step 2: 1 s/step → 2 steps left + 2 epochs of 4 steps = 10 s
    expect(steps[0]).toMatch(/^\rmain 1\/3 █{6}·{18} 1\/4 loss 0\.5000 {3}$/);
    expect(steps[1]).toContain('2/4 loss 0.2500 eta 10s');
    expect(steps[1]).not.toContain('valid');
    // epoch 2: the last valid metric, and the remaining epoch at the last epoch's 5 s
    expect(steps[5]).toContain('main 2/3');
    expect(steps[5]).toContain('valid.ic 0.0312');
    expect(steps[5]).toContain('eta 7s'); // 2 steps × 1 s + 1 epoch × 5 s
    expect(steps[7]).toMatch(/█{24} 4\/4 .* eta 5s/);
    const epochs = out.filter((s) => s.endsWith('\n'));
    expect(epochs).toEqual([
      '\rmain epoch 1/3 loss 0.2500 valid.ic 0.0312 * (5.0s)          \n',
      '\rmain epoch 2/3 loss 0.2500 valid.ic 0.0412 (5.0s)          \n',
    ]);
  });

  it('TTY redraws are throttled to one per 100 ms, except the last step', () => {
    const { out, stream } = sink(true);
    const p = consoleProgress({ stream, now: () => 0 });
    for (let step = 1; step <= 50; step++) p.step({ stage: 's', epoch: 0, epochs: 1, step, steps: 50, loss: 1 });
    expect(out).toHaveLength(2);
    expect(out[1]).toContain('50/50');
  });

  it('not a TTY: one plain line per epoch, nothing per step', () => {
    const { out, stream } = sink(false);
    const clock = { t: 0 };
    drive(consoleProgress({ stream, now: () => clock.t }), clock);
    expect(out).toEqual(['main epoch 1/3 loss 0.2500 valid.ic 0.0312 * (5.0s)\n', 'main epoch 2/3 loss 0.2500 valid.ic 0.0412 (5.0s)\n']);
  });

  it('quiet prints nothing', () => {
    const { out, stream } = sink(true);
    const clock = { t: 0 };
    drive(consoleProgress({ stream, quiet: true, now: () => clock.t }), clock);
    expect(out).toEqual([]);
  });

  it('ETA format', () => {
    expect([formatEta(4.4), formatEta(65), formatEta(3599), formatEta(3720)]).toEqual(['4s', '1m05s', '59m59s', '1h02m']);
  });
});
