/**
 * `oslo-node-ctl status [--json] | scale N | reload | stop [--control-socket PATH]
 * [--pid-file F] [--config-file F]`: operate a running launcher through its control socket.
 * Exit codes (as rpc.js): 0 ok, 1 the launcher refused or failed (reason on stderr), 2 usage,
 * 3 no launcher reachable.
 */
import { loadConfig } from './config/index.js';
import { ExitCode, parseCommandLine, printWarning, usageError } from './cli/common.js';
import { ConfigError, describeError } from './errors.js';
import { LauncherAmbiguous, LauncherUnreachable, sendControl } from './control/control-client.js';
import type { ControlCommand, LauncherStatus } from './control/control-protocol.js';
import { renderStatusTable } from './control/status-table.js';

const PROGRAM = 'oslo-node-ctl';

const USAGE = `Usage: oslo-node-ctl status [--json] | scale N | reload | stop
       [--control-socket PATH] [--pid-file FILE] [--config-file FILE]
       oslo-node-ctl -h|--help, -V|--version

Without --control-socket or --pid-file it talks to the one launcher running (control-<pid>.sock
in the private runtime folder); with several, choose one.
Exit codes: 0 ok, 1 the launcher refused or failed, 2 usage, 3 no launcher reachable.`;

const { OK, FAILURE: FAILED, USAGE: USAGE_ERROR, UNREACHABLE } = ExitCode;

interface Command {
  readonly command: ControlCommand;
  readonly workers?: number;
  readonly json: boolean;
  readonly controlSocket: string | undefined;
  readonly pidFile: string | undefined;
}

function parse(argv: readonly string[]): Command {
  const json = argv.includes('--json');
  const { config, args, warnings } = loadConfig(
    argv.filter((arg) => arg !== '--json'),
    process.env,
    { allowPositionals: true },
  );
  for (const warning of warnings) printWarning(PROGRAM, warning);
  const [command, count, ...extra] = args.positionals;
  if (command !== 'status' && command !== 'scale' && command !== 'reload' && command !== 'stop') throw usageError('the command must be status, scale, reload or stop');
  if (json && command !== 'status') throw usageError('--json goes with status');
  if (extra.length > 0 || (command !== 'scale' && count !== undefined)) throw usageError(`unexpected argument ${JSON.stringify(extra[0] ?? count)}`);
  let workers: number | undefined;
  if (command === 'scale') {
    workers = Number(count);
    if (count === undefined || !Number.isSafeInteger(workers) || workers < 1 || workers > 512) throw usageError('scale needs N, a number of workers from 1 to 512');
  }
  return { command, ...(workers === undefined ? {} : { workers }), json, controlSocket: config.control_socket, pidFile: config.pid_file };
}

async function run(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(PROGRAM, argv, parse, USAGE);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { command } = parsed;
  try {
    const answer = await sendControl({ controlSocket: command.controlSocket, pidFile: command.pidFile }, command.command, command.workers);
    if (!answer.ok) {
      process.stderr.write(`${PROGRAM} ${command.command}: ${answer.error}\n`);
      return answer.code === 'bad-request' ? USAGE_ERROR : FAILED;
    }
    if (command.command === 'status') {
      const status = answer.result as LauncherStatus;
      process.stdout.write(`${command.json ? JSON.stringify(status) : renderStatusTable(status)}\n`);
    }
    return OK;
  } catch (error) {
    process.stderr.write(`${PROGRAM} ${command.command}: ${describeError(error)}\n`);
    if (error instanceof LauncherAmbiguous || error instanceof ConfigError) return USAGE_ERROR;
    return error instanceof LauncherUnreachable ? UNREACHABLE : FAILED;
  }
}

process.exitCode = await run(process.argv.slice(2));
