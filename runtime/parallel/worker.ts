// Worker side of the data-parallel replica pool (one TF.js replica per thread).
//
// What: loads a backend (wasm by default: one single-threaded wasm instance
// per worker), imports the replica module, builds the model, and then serves
// the pool: compute loss and gradients on its shard, write the gradients into
// its slot of the shared gradient buffer, meet the other replicas at a
// barrier, average all slots in a fixed order weighted by shard size, and
// apply the optimiser update to its own copy of the parameters.
//
// Assumes: started by pool.ts with an InitMessage first; every replica runs
// the same module with the same options.
// Guarantees: all replicas read the same gradient bytes and run the same
// deterministic update (optimizer.ts), so their parameters stay bit-identical
// (checked by pool.replicaHashes()); errors are reported as messages, and the
// abort flag releases replicas waiting at the barrier. The optimiser state can
// be read and replaced (checkpoints of data-parallel runs).

import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { initBackend, type BackendName } from '../backend.js';
import { applyUpdate, createOptimizerState, type OptimizerSpec, type OptimizerState } from './optimizer.js';
import {
  barrier,
  CTL_ABORT,
  CTL_GENERATION,
  hashFloats,
  type FromWorker,
  type InitMessage,
  type ReplicaFactory,
  type ReplicaModel,
  type Shard,
  type ToWorker,
} from './protocol.js';

if (parentPort === null) throw new Error('runtime/parallel/worker.ts must run in a worker thread');
const port = parentPort;

interface State {
  init: InitMessage;
  ctl: Int32Array;
  model: ReplicaModel;
  names: string[];
  offsets: number[];
  flat: Float32Array;
  grads: Float32Array | null;
  avg: Float32Array;
  opt: OptimizerState;
  spec: OptimizerSpec;
}

let st: State | null = null;

function send(m: FromWorker): void {
  port.postMessage(m);
}

function readParams(s: State): void {
  s.names.forEach((name, i) => s.flat.set(s.model.params[name].dataSync() as Float32Array, s.offsets[i]));
}

function writeParams(s: State): void {
  tf.tidy(() => {
    s.names.forEach((name, i) => {
      const v = s.model.params[name];
      v.assign(tf.tensor(s.flat.subarray(s.offsets[i], s.offsets[i + 1]), v.shape));
    });
  });
}

async function init(m: InitMessage): Promise<void> {
  await initBackend({ backend: m.backend as BackendName });
  const url = m.module.startsWith('file:') ? m.module : pathToFileURL(m.module).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const factory = mod[m.exportName] as ReplicaFactory | undefined;
  if (typeof factory !== 'function') throw new Error(`${m.module} does not export a function ${m.exportName}`);
  const model = await factory(m.options);
  const names = Object.keys(model.params);
  const offsets = [0];
  for (const n of names) offsets.push(offsets[offsets.length - 1] + model.params[n].size);
  const size = offsets[offsets.length - 1];
  st = {
    init: m,
    ctl: new Int32Array(m.ctl),
    model,
    names,
    offsets,
    flat: new Float32Array(size),
    grads: null,
    avg: new Float32Array(size),
    opt: createOptimizerState(size),
    spec: m.optimizer,
  };
  readParams(st);
  send({ type: 'ready', names, shapes: names.map((n) => model.params[n].shape) });
}

function step(s: State, msg: Extract<ToWorker, { type: 'step' }>): number {
  if (s.grads === null) throw new Error('step before setParams');
  const { index, count } = s.init;
  const size = s.flat.length;
  const slot = s.grads.subarray(index * size, (index + 1) * size);
  let loss = 0;
  if (msg.count > 0) {
    loss = tf.tidy(() => {
      const shard: Shard = {};
      for (const f of msg.fields) {
        const row = f.shape.slice(1).reduce((a, b) => a * b, 1);
        const view = new Float32Array(msg.batch, (f.offset + msg.start * row) * 4, msg.count * row);
        shard[f.name] = tf.tensor(view, [msg.count, ...f.shape.slice(1)]);
      }
      const out = s.model.step(s.model.params, shard, msg.seed === null ? undefined : { seed: msg.seed, replica: index });
      s.names.forEach((name, i) => {
        const g = out.grads[name];
        if (g === undefined) slot.fill(0, s.offsets[i], s.offsets[i + 1]);
        else slot.set(g.dataSync() as Float32Array, s.offsets[i]);
      });
      return out.loss.dataSync()[0];
    });
  } else slot.fill(0);
  barrier(s.ctl, count);
  // weighted average of every slot, in slot order (identical in every replica)
  const g = s.grads;
  const w = msg.weights;
  for (let i = 0; i < size; i++) {
    let acc = 0;
    for (let r = 0; r < count; r++) acc += w[r] * g[r * size + i];
    s.avg[i] = acc;
  }
  applyUpdate(s.spec, s.opt, s.flat, s.avg);
  writeParams(s);
  return loss;
}

port.on('message', (m: ToWorker) => {
  void (async () => {
    try {
      if (m.type === 'init') return await init(m);
      const s = st;
      if (s === null) throw new Error(`${m.type} before init`);
      switch (m.type) {
        case 'getParams':
          readParams(s);
          return send({ type: 'params', data: s.flat.slice() });
        case 'setParams':
          s.flat.set(m.data);
          s.grads = new Float32Array(m.grads);
          writeParams(s);
          return send({ type: 'ok' });
        case 'step':
          return send({ type: 'stepDone', loss: step(s, m) });
        case 'getOptState':
          return send({ type: 'optState', step: s.opt.step, m: s.opt.m.slice(), v: s.opt.v.slice() });
        case 'setOptState':
          if (m.m.length !== s.flat.length || m.v.length !== s.flat.length) throw new Error(`optimizer state has ${m.m.length} entries, the replica ${s.flat.length}`);
          s.opt = { step: m.step, m: m.m.slice(), v: m.v.slice() };
          return send({ type: 'ok' });
        case 'hash':
          readParams(s);
          return send({ type: 'hash', value: hashFloats(s.flat) });
        case 'close':
          tf.dispose(Object.values(s.model.params));
          return port.close();
      }
    } catch (err) {
      if (st !== null) {
        Atomics.store(st.ctl, CTL_ABORT, 1);
        Atomics.notify(st.ctl, CTL_GENERATION);
      }
      send({ type: 'error', message: (err as Error).stack ?? String(err) });
    }
  })();
});
