// Preloaded (node --import) into our launcher and its workers by bench-rpc-embedded.mjs
// --count-ipc: counts the embedded transport's IPC messages, their JSON bytes and their frames
// by type, as this process sends them, and writes the counts to $OSLO_NODE_COUNT_IPC_DIR/<pid>.json
// when the process exits. Counting costs a JSON.stringify per message: CPU figures of a counted
// run are not comparable with others.
import cluster from 'node:cluster';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.OSLO_NODE_COUNT_IPC_DIR;
const counts = { primary: cluster.isPrimary, messages: 0, bytes: 0, frames: {} };

function wrap(target) {
  const send = target.send;
  target.send = function countedSend(message, ...rest) {
    if (message?.type === 'transport' && Array.isArray(message.frames)) {
      counts.messages++;
      counts.bytes += Buffer.byteLength(JSON.stringify(message)) + 1;
      for (const frame of message.frames) counts.frames[frame.t] = (counts.frames[frame.t] ?? 0) + 1;
    }
    return send.call(this, message, ...rest);
  };
}

if (dir) {
  if (cluster.isPrimary) cluster.on('fork', (worker) => wrap(worker.process));
  else if (process.send) wrap(process);
  process.on('exit', () => {
    if (counts.messages > 0) writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(counts));
  });
}
