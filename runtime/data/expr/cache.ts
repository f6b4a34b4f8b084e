// On-disk feature cache: one raw little-endian column file per expression.
//
// Key = sha256 of (format version, the node's canonical text, the panel
// fingerprint, and for cross-sectional nodes the universe fingerprint). The
// panel fingerprint covers the data version (or, without one, the bytes of
// the fields read), the day list, the instrument list and the per-instrument
// start days, so a different panel slice never hits another's file.
// Files are written to a temporary name and renamed (atomic on POSIX), so a
// crash never leaves a truncated column behind; a file of the wrong size is
// ignored and recomputed.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const FORMAT = 'quiver-feature-cache-v1';

export type Precision = 'f32' | 'f64';

export function fingerprint(parts: {
  dataVersion?: string;
  days: readonly string[];
  instruments: readonly string[];
  starts: Int32Array;
  fieldBytes?: Iterable<[string, Float64Array]>;
}): string {
  const h = createHash('sha256');
  h.update(FORMAT);
  h.update('\0days\0');
  h.update(parts.days.join(','));
  h.update('\0instruments\0');
  h.update(parts.instruments.join(','));
  h.update('\0starts\0');
  h.update(new Uint8Array(parts.starts.buffer, parts.starts.byteOffset, parts.starts.byteLength));
  if (parts.dataVersion !== undefined) {
    h.update('\0version\0');
    h.update(parts.dataVersion);
  } else {
    for (const [name, arr] of parts.fieldBytes ?? []) {
      h.update(`\0field ${name}\0`);
      h.update(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    }
  }
  return h.digest('hex');
}

export function bytesFingerprint(arr: Uint8Array): string {
  return createHash('sha256').update(arr).digest('hex');
}

export function columnKey(nodeKey: string, panelPrint: string, universePrint: string | null): string {
  const h = createHash('sha256');
  h.update(FORMAT);
  h.update('\0');
  h.update(nodeKey);
  h.update('\0');
  h.update(panelPrint);
  if (universePrint !== null) {
    h.update('\0universe\0');
    h.update(universePrint);
  }
  return h.digest('hex');
}

export interface ColumnCache {
  dir: string;
  read(key: string, precision: Precision, length: number): Float32Array | Float64Array | null;
  write(key: string, values: Float32Array | Float64Array): void;
}

/** Open (creating) a cache directory; throws the fs error when it cannot be created. */
export function openColumnCache(dir: string): ColumnCache {
  mkdirSync(dir, { recursive: true });
  const path = (key: string, precision: Precision): string => join(dir, `${key}.${precision}`);
  return {
    dir,
    read(key, precision, length) {
      const p = path(key, precision);
      if (!existsSync(p)) return null;
      const bytes = length * (precision === 'f32' ? 4 : 8);
      if (statSync(p).size !== bytes) return null;
      const buf = readFileSync(p);
      // Copy into an aligned buffer we own.
      const out = precision === 'f32' ? new Float32Array(length) : new Float64Array(length);
      new Uint8Array(out.buffer).set(buf);
      return out;
    },
    write(key, values) {
      const precision: Precision = values instanceof Float32Array ? 'f32' : 'f64';
      const p = path(key, precision);
      const tmp = `${p}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(tmp, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      renameSync(tmp, p);
    },
  };
}
