/** `ctl.js status` for a person: the launcher on one line, then a `pm2 ls`-style table. */
import type { LauncherStatus } from './control-protocol.js';

/** 42s, 7m, 3h, 2d: pm2's uptime style. */
export function shortDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

function mebibytes(bytes: number | null): string {
  return bytes === null ? '-' : `${(bytes / 1048576).toFixed(1)}mb`;
}

const HEADERS = ['slot', 'pid', 'state', 'uptime', 'restarts', 'cpu', 'mem', 'requests', 'in flight'];

/** `3 (configured 1)`: the count in force and the configuration's (they differ after `scale N`). */
function workerCounts(launcher: LauncherStatus['launcher']): string {
  // A launcher from before these fields (a handover from an older version) has only `workers`.
  const configured = launcher.configuredWorkers ?? launcher.workers;
  return `${launcher.workers} (configured ${configured}${configured === launcher.workers ? '' : ', scaled with ctl scale'})`;
}

/** Render the status document as text. */
export function renderStatusTable(status: LauncherStatus): string {
  const { launcher } = status;
  const head =
    `launcher pid ${launcher.pid}${launcher.binary ? `  binary ${launcher.binary}` : ''}  state ${launcher.state}  uptime ${shortDuration(launcher.uptimeSeconds)}  port ${launcher.port}  ` +
    `transport ${launcher.transport}  workers ${workerCounts(launcher)}${launcher.maxMemoryRestartMiB > 0 ? `  max_memory_restart ${launcher.maxMemoryRestartMiB}mb` : ''}`;
  const rows = status.workers.map((worker) => [
    worker.slot === 0 ? '-' : String(worker.slot),
    String(worker.pid),
    worker.state,
    shortDuration(worker.uptimeSeconds),
    String(worker.restarts),
    worker.cpuPercent === null ? '-' : `${worker.cpuPercent}%`,
    mebibytes(worker.rssBytes),
    String(worker.requests),
    String(worker.inFlight),
  ]);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (left: string, middle: string, right: string): string =>
    `${left}${widths.map((width) => '─'.repeat(width + 2)).join(middle)}${right}`;
  const row = (cells: string[]): string => `│${cells.map((cell, column) => ` ${cell.padEnd(widths[column]!)} `).join('│')}│`;
  return [head, line('┌', '┬', '┐'), row(HEADERS), line('├', '┼', '┤'), ...rows.map(row), line('└', '┴', '┘')].join('\n');
}
