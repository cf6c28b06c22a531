/**
 * Where the launcher's control socket lives: in the same private folder as the embedded
 * transport's socket, found the same way, so ctl.js finds it without being told.
 */
import { dirname, join } from 'node:path';
import { defaultEmbeddedSocketPath } from '../rpc/transports/embedded/socket-client.js';

/** `<private runtime folder>/control.sock`, or `control-<pid>.sock` for a launcher whose default was taken. */
export function defaultControlSocketPath(pid?: number): string {
  return join(dirname(defaultEmbeddedSocketPath()), pid === undefined ? 'control.sock' : `control-${pid}.sock`);
}
