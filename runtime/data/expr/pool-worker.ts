// Worker-thread entry of the task pool (pool.ts): imports the requested
// module once, calls the named export with the payload, replies with the
// result or the error message. Replies exactly once per request.

import { parentPort } from 'node:worker_threads';
import type { TaskReply, TaskRequest } from './pool.js';

const modules = new Map<string, Promise<Record<string, unknown>>>();

parentPort?.on('message', (req: TaskRequest) => {
  void (async () => {
    try {
      let mod = modules.get(req.module);
      if (!mod) {
        mod = import(req.module) as Promise<Record<string, unknown>>;
        modules.set(req.module, mod);
      }
      const fn = (await mod)[req.fn];
      if (typeof fn !== 'function') throw new Error(`${req.module} has no function ${req.fn}`);
      const result: unknown = await (fn as (p: unknown) => unknown)(req.payload);
      parentPort!.postMessage({ jobId: req.jobId, ok: true, result } satisfies TaskReply);
    } catch (e) {
      parentPort!.postMessage({ jobId: req.jobId, ok: false, message: e instanceof Error ? e.message : String(e) } satisfies TaskReply);
    }
  })();
});
