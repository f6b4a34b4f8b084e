// Checkpoints: parameters keyed by path plus the trainer's state (optimiser
// moments, best and averaged parameters, memories), written atomically (temp
// file, fsync, rename, fsync of the folder) so a killed run never leaves a
// torn file.
//
// Format: one JSON header line, then the raw little-endian float32 bytes of
// every array in the order the header lists them. Reading checks the header
// and lengths; a damaged file is a diagnostic (Q6202), never a crash.

import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { diag } from '../../compiler/diagnostics/codes.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';

export interface Checkpoint {
  /** arbitrary JSON (trainer position, history, scores) */
  meta: unknown;
  arrays: Record<string, Float32Array>;
}

const MAGIC = 'QUIVERCKPT1';

export function writeCheckpoint(path: string, ck: Checkpoint): void {
  const names = Object.keys(ck.arrays);
  const header = JSON.stringify({ magic: MAGIC, meta: ck.meta, arrays: names.map((n) => ({ name: n, length: ck.arrays[n]!.length })) });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, header + '\n');
    for (const n of names) {
      const a = ck.arrays[n]!;
      writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dirname(path));
}

/**
 * fsync the folder so the rename itself is durable: after a power cut the
 * name points at the new file, not at the old one or at nothing. Platforms
 * that cannot open a folder for syncing (Windows) skip it.
 */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A checkpoint's parameters by path (the `param:` arrays): what `init: from(...)` loads. */
export function checkpointParams(path: string): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(readCheckpoint(path).arrays)) if (k.startsWith('param:')) out[k.slice(6)] = v;
  return out;
}

export function readCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new DiagnosticError(diag('checkpointUnreadable', { path, reason: 'no such file' }));
  const buf = readFileSync(path);
  const nl = buf.indexOf(10);
  let header: { magic?: string; meta: unknown; arrays: { name: string; length: number }[] };
  try {
    header = JSON.parse(buf.subarray(0, nl).toString('utf8'));
  } catch {
    throw new DiagnosticError(diag('checkpointUnreadable', { path, reason: 'the header is not valid' }));
  }
  if (header.magic !== MAGIC || !Array.isArray(header.arrays)) throw new DiagnosticError(diag('checkpointUnreadable', { path, reason: 'not a Quiver checkpoint' }));
  const arrays: Record<string, Float32Array> = {};
  let off = nl + 1;
  for (const a of header.arrays) {
    const bytes = a.length * 4;
    if (off + bytes > buf.length) throw new DiagnosticError(diag('checkpointUnreadable', { path, reason: `truncated inside ${a.name}` }));
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(off, off + bytes));
    arrays[a.name] = new Float32Array(copy.buffer);
    off += bytes;
  }
  if (off !== buf.length) throw new DiagnosticError(diag('checkpointUnreadable', { path, reason: 'trailing bytes after the last array' }));
  return { meta: header.meta, arrays };
}
