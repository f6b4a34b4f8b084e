// The demo market's cache file is named by the market's version: the
// generator version, preset, seed and the effects as resolved. So a changed
// generator or effect default is never served an old file, and overrides
// that resolve to the same effects share one file.

import { describe, expect, it } from 'vitest';
import { defaultEffects, GENERATOR_VERSION, isolateEffects, marketVersion, PRESETS } from '../../runtime/data/synth/index.js';
import { demoMarketPath } from '../../runtime/run.js';

type Demo = Parameters<typeof demoMarketPath>[0];
const demo = (over: Partial<Demo> = {}): Demo => ({ kind: 'demo', preset: 'small', seed: 3, effects: {}, ...over });

describe('demo market cache path', () => {
  it('carries the version of the resolved market', () => {
    const v = marketVersion(PRESETS.small, 3, defaultEffects('small')).slice(0, 12);
    expect(demoMarketPath(demo(), '/c').path).toBe(`/c/data/demo-small-3-${v}.duckdb`);
    const iso = marketVersion(PRESETS.small, 3, isolateEffects('small', ['temporal'])).slice(0, 12);
    expect(demoMarketPath(demo({ only: ['temporal'] }), '/c').path).toBe(`/c/data/demo-small-3-${iso}.duckdb`);
    expect(GENERATOR_VERSION).toMatch(/^quiver-synth\//);
  });

  it('overrides that resolve alike share a file; any real difference gets its own', () => {
    const plain = demoMarketPath(demo(), '/c').path;
    // the small preset's default temporal amplitude is 0.3 · 1.25
    expect(demoMarketPath(demo({ effects: { temporal: 0.375 } }), '/c').path).toBe(plain);
    expect(demoMarketPath(demo({ effects: { temporal: { amp: 0.375 } } }), '/c').path).toBe(plain);
    const names = new Set([
      plain,
      demoMarketPath(demo({ effects: { temporal: 0.4 } }), '/c').path,
      demoMarketPath(demo({ effects: { dayTypes: { common: 1 } } }), '/c').path,
      demoMarketPath(demo({ only: ['dayTypes'] }), '/c').path,
      demoMarketPath(demo({ seed: 4 }), '/c').path,
      demoMarketPath(demo({ preset: 'csi300' }), '/c').path,
    ]);
    expect(names.size).toBe(6);
  });

  it('hands the generator the overrides on top of the isolated effects', () => {
    const { effects } = demoMarketPath(demo({ only: ['dayTypes'], effects: { dayTypes: { common: 1 }, temporal: { amp: 0.2 } } }), '/c');
    expect(effects['dayTypes']).toEqual({ ...isolateEffects('small', ['dayTypes']).dayTypes, common: 1 });
    expect(effects['temporal']).toEqual({ amp: 0.2 });
    // a parameter of an effect `only` left out keeps it off
    const off = demoMarketPath(demo({ only: ['temporal'], effects: { dayTypes: { shuffle: true } } }), '/c').effects;
    expect(off['dayTypes']).toEqual({ ...isolateEffects('small', ['temporal']).dayTypes, shuffle: true });
    expect((off['dayTypes'] as { amp: number }).amp).toBe(0);
  });
});
