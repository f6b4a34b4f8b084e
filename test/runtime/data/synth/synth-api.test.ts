// The synthetic market's API boundary: option validation and its
// diagnostics (Q5501–Q5505), effect defaults, overrides and CLI
// assignments, the atomic write (a failure leaves the target untouched and
// no temporary files), the PRNG's determinism, and `runDataDemo`.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../../compiler/diagnostics/diagnostic.js';
import { runDataDemo } from '../../../../runtime/data/synth/cli.js';
import { EFFECT_NAMES, parseEffectAssignment, resolveEffects, type EffectOverrides } from '../../../../runtime/data/synth/effects.js';
import { defaultEffects, generateMarket, isolateEffects, noEffects, type PresetName } from '../../../../runtime/data/synth/index.js';
import { makeRng } from '../../../../runtime/data/synth/rng.js';
import { tradingCalendar } from '../../../../runtime/data/synth/calendar.js';
import { openRead, scalar } from './market-reader.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiver-synth-api-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function codesOf(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DiagnosticError) return err.diagnostics.map((d) => d.code);
    throw err;
  }
  return [];
}

describe('options and diagnostics', () => {
  it('rejects an unknown preset (Q5501), effect (Q5502), parameter value (Q5503) and option (Q5504)', async () => {
    const path = join(dir, 'x.duckdb');
    expect(await codesOf(generateMarket({ path, preset: 'tiny' as PresetName, seed: 1 }))).toEqual(['Q5501']);
    expect(await codesOf(generateMarket({ path, preset: 'small', seed: 1, effects: { temporl: 0 } as EffectOverrides }))).toEqual(['Q5502']);
    expect(await codesOf(generateMarket({ path, preset: 'small', seed: 1, effects: { temporal: -1 } }))).toEqual(['Q5503']);
    expect(await codesOf(generateMarket({ path, preset: 'small', seed: 1, effects: { regimes: { stay: 1.5 } } }))).toEqual(['Q5503']);
    expect(await codesOf(generateMarket({ path, preset: 'small', seed: 1, effects: { dayTypes: { shuffle: 1 as unknown as boolean } } }))).toEqual(['Q5503']);
    expect(await codesOf(generateMarket({ path, preset: 'small', seed: 1, effects: { news: { colour: 1 } as never } }))).toEqual(['Q5503']);
    expect(await codesOf(generateMarket({ path, preset: 'small', seed: 1.5 }))).toEqual(['Q5504']);
    expect(await codesOf(generateMarket({ path, preset: 'small', seed: -1 }))).toEqual(['Q5504']);
    expect(await codesOf(generateMarket({ path: '', preset: 'small', seed: 1 }))).toEqual(['Q5504']);
    expect(existsSync(path)).toBe(false);
  });

  it('suggests the closest effect name', () => {
    try {
      resolveEffects('small', { dayType: 0 } as EffectOverrides);
      expect.unreachable();
    } catch (err) {
      const d = (err as DiagnosticError).diagnostics[0]!;
      expect(d.key).toBe('synthUnknownEffect');
      expect(d.hints.join(' ')).toContain('did you mean dayTypes?');
    }
  });

  it('reports a missing folder as Q5505 and writes nothing', async () => {
    const path = join(dir, 'no-such-folder', 'm.duckdb');
    expect(await codesOf(generateMarket({ path, preset: 'small', seed: 1 }))).toEqual(['Q5505']);
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
  });

  it('a failed write leaves the target untouched and no temporary files', async () => {
    const sub = join(dir, 'atomic');
    mkdirSync(sub);
    // The target is a non-empty directory: the final rename fails after the whole build.
    const target = join(sub, 'market.duckdb');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'original');
    expect(await codesOf(generateMarket({ path: target, preset: 'small', seed: 3 }))).toEqual(['Q5505']);
    expect(readFileSync(join(target, 'keep.txt'), 'utf8')).toBe('original');
    expect(readdirSync(sub)).toEqual(['market.duckdb']);
  });

  it('sizes the minute-bar subset on request and rejects impossible sizes (Q5504)', async () => {
    const path = join(dir, 'minute.duckdb');
    const s = await generateMarket({ path, preset: 'small', seed: 2, minute: { stocks: 2, days: 5 }, effects: noEffects('small') });
    expect(s.tables.bars_minute).toBeLessThanOrEqual(2 * 5 * 240);
    expect(s.tables.bars_minute).toBeGreaterThan(0);
    expect(s.tables.bars_minute % 240).toBe(0);
    expect(s.tables.orders).toBe(s.tables.bars_minute / 240);
    const none = await generateMarket({ path, preset: 'small', seed: 2, minute: { stocks: 0 }, effects: noEffects('small') });
    expect(none.tables.bars_minute).toBe(0);
    expect(none.version).not.toBe(s.version);
    expect(await codesOf(generateMarket({ path, preset: 'small', seed: 2, minute: { days: 1e6 } }))).toEqual(['Q5504']);
    expect(await codesOf(generateMarket({ path, preset: 'small', seed: 2, minute: { stocks: 1.5 } }))).toEqual(['Q5504']);
  });

  it('replaces an existing market atomically', async () => {
    const path = join(dir, 'replace.duckdb');
    writeFileSync(path, 'not a database');
    const s = await generateMarket({ path, preset: 'small', seed: 5, effects: isolateEffects('small', ['market']) });
    const m = await openRead(path);
    try {
      expect(await scalar(m.con, "SELECT count(*) FROM meta WHERE key = 'version' AND value = '" + s.version + "'")).toBe(1);
    } finally {
      m.close();
    }
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('effects', () => {
  it('defaults switch every effect on; noEffects switches every amplitude off; isolate keeps only the named', () => {
    for (const preset of ['small', 'csi300'] as const) {
      const on = defaultEffects(preset);
      const none = noEffects(preset);
      for (const name of EFFECT_NAMES) {
        expect(on[name].amp, name).toBeGreaterThan(0);
        expect(none[name].amp, name).toBe(0);
      }
      const only = isolateEffects(preset, ['hidden', 'concepts']);
      expect(only.hidden).toEqual(on.hidden);
      expect(only.concepts).toEqual(on.concepts);
      expect(only.temporal.amp).toBe(0);
    }
    expect(defaultEffects('small').regimes.stay).toBe(0.95);
    expect(defaultEffects('small').news.rumourShare).toBe(0.4);
    expect(defaultEffects('csi300').intraday.amp).toBe(0.2);
  });

  it('merges numbers as amplitudes and objects as parameters', () => {
    const e = resolveEffects('csi300', { temporal: 0, dayTypes: { shuffle: true }, regimes: { stay: 0.9 } });
    expect(e.temporal.amp).toBe(0);
    expect(e.dayTypes.shuffle).toBe(true);
    expect(e.dayTypes.amp).toBe(defaultEffects('csi300').dayTypes.amp);
    expect(e.regimes).toEqual({ amp: defaultEffects('csi300').regimes.amp, stay: 0.9 });
  });

  it('parses CLI assignments', () => {
    const into: EffectOverrides = {};
    parseEffectAssignment('temporal=0.5', into);
    parseEffectAssignment('dayTypes.shuffle=true', into);
    parseEffectAssignment('dayTypes=off', into);
    parseEffectAssignment('news.rumourShare=0.2', into);
    expect(into).toEqual({ temporal: { amp: 0.5 }, dayTypes: { shuffle: true, amp: 0 }, news: { rumourShare: 0.2 } });
    const codes = (text: string): string[] => {
      try {
        parseEffectAssignment(text, {});
        return [];
      } catch (err) {
        return (err as DiagnosticError).diagnostics.map((d) => d.code);
      }
    };
    expect(codes('bogus=1')).toEqual(['Q5502']);
    expect(codes('temporal=abc')).toEqual(['Q5503']);
    expect(codes('temporal.width=1')).toEqual(['Q5503']);
    expect(codes('dayTypes.shuffle=maybe')).toEqual(['Q5503']);
  });
});

describe('building blocks', () => {
  it('the PRNG is deterministic per (seed, stream) and streams differ', () => {
    const a = makeRng(42, 'noise');
    const b = makeRng(42, 'noise');
    const c = makeRng(42, 'other');
    const xs = Array.from({ length: 1000 }, () => a.normal());
    expect(Array.from({ length: 1000 }, () => b.normal())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.normal())).not.toEqual(xs.slice(0, 5));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(sd - 1)).toBeLessThan(0.08);
    const t = makeRng(1, 't');
    const ts = Array.from({ length: 20000 }, () => t.t5());
    const v = ts.reduce((s, x) => s + x * x, 0) / ts.length;
    expect(Math.abs(v - 1)).toBeLessThan(0.1);
  });

  it('the calendar is ascending weekdays without the fixed holidays', () => {
    const cal = tradingCalendar('2008-01-02', 12);
    expect(cal.iso[0]).toBe('2008-01-02');
    expect(cal.iso.at(-1)!.startsWith('2019-12')).toBe(true);
    for (let k = 1; k < cal.iso.length; k++) expect(cal.iso[k]! > cal.iso[k - 1]!).toBe(true);
    expect(cal.iso.some((d) => d.endsWith('-10-01') || d.endsWith('-05-01'))).toBe(false);
    expect(cal.iso.length).toBeGreaterThan(2850);
    expect(cal.iso.length).toBeLessThan(2950);
  });
});

describe('runDataDemo', () => {
  it('writes the market and prints one summary line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const path = join(dir, 'demo.duckdb');
    const r = await runDataDemo(['--preset', 'small', '--seed', '9', '--out', path, '--effect', 'temporal=0', '--effect', 'dayTypes.shuffle=true'], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect(r.code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    expect(out[0]).toContain(path);
    expect(out[0]).toContain(`version ${r.summary!.version}`);
    expect(r.summary!.effects.temporal.amp).toBe(0);
    expect(r.summary!.effects.dayTypes.shuffle).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  it('turns bad arguments into diagnostics and exit code 1', async () => {
    const run = async (args: string[]): Promise<{ code: number; codes: string[]; err: string[] }> => {
      const err: string[] = [];
      const r = await runDataDemo(args, { out: () => undefined, err: (l) => err.push(l) });
      return { code: r.code, codes: r.diagnostics.map((d) => d.code), err };
    };
    expect(await run(['--preset', 'huge'])).toMatchObject({ code: 1, codes: ['Q5501'] });
    expect(await run(['--effect', 'tempral=1'])).toMatchObject({ code: 1, codes: ['Q5502'] });
    expect(await run(['--effect', 'temporal=-2'])).toMatchObject({ code: 1, codes: ['Q5503'] });
    expect(await run(['--seed', 'x'])).toMatchObject({ code: 1, codes: ['Q5504'] });
    expect(await run(['--frobnicate'])).toMatchObject({ code: 1, codes: ['Q5504'] });
    expect(await run(['--out'])).toMatchObject({ code: 1, codes: ['Q5504'] });
    const r = await run(['--out', join(dir, 'missing', 'x.duckdb')]);
    expect(r).toMatchObject({ code: 1, codes: ['Q5505'] });
    expect(r.err[0]).toMatch(/^error Q5505: /);
  });

  it('prints usage for --help', async () => {
    const out: string[] = [];
    const r = await runDataDemo(['--help'], { out: (l) => out.push(l), err: () => undefined });
    expect(r.code).toBe(0);
    expect(out[0]).toContain('quiver data demo');
  });
});
