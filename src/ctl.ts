/**
 * `oslo-node-ctl status [--json] | scale N | reload | upgrade | stop [--binary NAME] [--port N]
 * [--control-socket PATH] [--pid-file F] [--config-file F]`: operate a running launcher through
 * its control socket. `status` with no launcher named shows every launcher of this user.
 * Exit codes (as rpc.js): 0 ok, 1 the launcher refused or failed (reason on stderr), 2 usage,
 * 3 no launcher reachable.
 */
import { loadConfig } from './config/index.js';
import { ExitCode, parseCommandLine, printWarning, usageError } from './cli/common.js';
import { ConfigError, describeError } from './errors.js';
import {
  LauncherAmbiguous,
  LauncherUnreachable,
  everyLauncher,
  namesLauncher,
  sendControl,
  type ControlTarget,
} from './control/control-client.js';
import { launcherChoice, type LauncherChoice } from './control/launchers.js';
import type { ControlCommand, LauncherStatus } from './control/control-protocol.js';
import { renderStatusTable } from './control/status-table.js';

const PROGRAM = 'oslo-node-ctl';

const USAGE = `Usage: oslo-node-ctl status [--json] | scale N | reload | upgrade | stop
       [--binary NAME] [--port N] [--control-socket PATH] [--pid-file FILE] [--config-file FILE]
       oslo-node-ctl -h|--help, -V|--version

Launchers register in the private runtime folder; --binary and --port (or the config file's
binary and port) choose among them. With none named it talks to the only one; with several,
status shows them all (--json: one line each) and the other commands list them: choose one.
upgrade does what SIGUSR2 does: a new launcher from the code on disk takes the sockets over;
it prints the new launcher's pid.
Exit codes: 0 ok, 1 the launcher refused or failed, 2 usage, 3 no launcher reachable.`;

const { OK, FAILURE: FAILED, USAGE: USAGE_ERROR, UNREACHABLE } = ExitCode;

interface Command {
  readonly command: ControlCommand;
  readonly workers?: number;
  readonly json: boolean;
  readonly controlSocket: string | undefined;
  readonly pidFile: string | undefined;
  readonly choice: LauncherChoice;
}

function parse(argv: readonly string[]): Command {
  const json = argv.includes('--json');
  const { config, args, warnings, explicit } = loadConfig(
    argv.filter((arg) => arg !== '--json'),
    process.env,
    { allowPositionals: true },
  );
  for (const warning of warnings) printWarning(PROGRAM, warning);
  const [command, count, ...extra] = args.positionals;
  if (command !== 'status' && command !== 'scale' && command !== 'reload' && command !== 'stop' && command !== 'upgrade')
    throw usageError('the command must be status, scale, reload, upgrade or stop');
  if (json && command !== 'status') throw usageError('--json goes with status');
  if (extra.length > 0 || (command !== 'scale' && count !== undefined))
    throw usageError(`unexpected argument ${JSON.stringify(extra[0] ?? count)}`);
  let workers: number | undefined;
  if (command === 'scale') {
    workers = Number(count);
    if (count === undefined || !Number.isSafeInteger(workers) || workers < 1 || workers > 512)
      throw usageError('scale needs N, a number of workers from 1 to 512');
  }
  return {
    command,
    ...(workers === undefined ? {} : { workers }),
    json,
    controlSocket: config.control_socket,
    pidFile: config.pid_file,
    choice: launcherChoice(config, explicit),
  };
}

async function run(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(PROGRAM, argv, parse, USAGE);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { command } = parsed;
  const target: ControlTarget = { controlSocket: command.controlSocket, pidFile: command.pidFile, choice: command.choice };
  try {
    if (command.command === 'status' && !namesLauncher(target)) {
      const every = await everyLauncher();
      if (every.length > 1)
        return await statusOfEach(
          every.map((one) => ({ controlSocket: one.controlSocket, pidFile: undefined, pid: one.pid })),
          command.json,
        );
    }
    const answer = await sendControl(target, command.command, command.workers);
    if (!answer.ok) {
      process.stderr.write(`${PROGRAM} ${command.command}: ${answer.error}\n`);
      return answer.code === 'bad-request' ? USAGE_ERROR : FAILED;
    }
    if (command.command === 'status') process.stdout.write(`${statusText(answer.result as LauncherStatus, command.json)}\n`);
    if (command.command === 'upgrade') process.stdout.write(`${(answer.result as { pid: number }).pid}\n`);
    return OK;
  } catch (error) {
    process.stderr.write(`${PROGRAM} ${command.command}: ${describeError(error)}\n`);
    if (error instanceof LauncherAmbiguous || error instanceof ConfigError) return USAGE_ERROR;
    return error instanceof LauncherUnreachable ? UNREACHABLE : FAILED;
  }
}

function statusText(status: LauncherStatus, json: boolean): string {
  return json ? JSON.stringify(status) : renderStatusTable(status);
}

/**
 * `status` with several launchers and none named: each one's status, oldest first (tables
 * apart by a blank line; --json: one document a line). One that fails is said on stderr (exit 1).
 */
async function statusOfEach(targets: readonly ControlTarget[], json: boolean): Promise<number> {
  const answers = await Promise.all(
    targets.map((target) =>
      sendControl(target, 'status').catch((error: unknown) => ({ ok: false as const, error: describeError(error), id: 0 })),
    ),
  );
  const shown: string[] = [];
  let code: number = OK;
  for (const answer of answers) {
    if (answer.ok) shown.push(statusText(answer.result as LauncherStatus, json));
    else {
      process.stderr.write(`${PROGRAM} status: ${answer.error}\n`);
      code = FAILED;
    }
  }
  process.stdout.write(`${shown.join(json ? '\n' : '\n\n')}\n`);
  return code;
}

process.exitCode = await run(process.argv.slice(2));
