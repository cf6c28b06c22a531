/**
 * `one-worker` periodic tasks: workers declare theirs, the primary picks one owner per task and
 * moves it when the owner exits. Keyed by pid, because during a rolling restart the old and the
 * new worker of a slot live side by side (the old keeps its tasks until it is gone: no double run).
 */
import type { Logger } from '../../logging/logger.js';
import { OneWorkerAssigner } from '../../periodic/assignment.js';
import type { SupervisorPlugin } from '../supervisor.js';
import type { WorkerHandle } from '../worker-handle.js';

export function createPeriodicPlugin(logger: Logger): SupervisorPlugin {
  const assigner = new OneWorkerAssigner();
  const handles = new Map<number, WorkerHandle>();
  let sent = new Map<number, string>();

  const publish = (owners: Map<number, string[]>): void => {
    const next = new Map<number, string>();
    for (const [pid, tasks] of owners) {
      const key = tasks.join(',');
      next.set(pid, key);
      if (sent.get(pid) === key) continue;
      handles.get(pid)?.channel.send({ type: 'periodic-assign', tasks });
      if (tasks.length > 0) logger.info({ workerPid: pid, tasks }, 'one-worker periodic tasks assigned');
    }
    sent = next;
  };

  return {
    onWorker(handle) {
      handle.channel.handle('periodic-register', (message) => {
        handles.set(handle.pid, handle);
        publish(assigner.register(handle.pid, message.tasks));
      });
    },
    onWorkerExit(handle) {
      if (!handles.delete(handle.pid)) return;
      publish(assigner.unregister(handle.pid));
    },
  };
}
