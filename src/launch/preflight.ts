/**
 * Checks the primary runs before binding and forking, so a configuration that cannot work
 * fails once, with exit code 2 and a clear message, instead of as a crash loop of workers.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Config } from '../config/options.js';
import { ConfigError, ErrorCodes } from '../errors.js';
import { compileLogFormat } from '../http/log-format.js';
import { loadTlsOptions } from '../http/tls.js';
import { parseTrustedProxies } from '../http/trusted-proxies.js';
import { ensurePrivateDir } from '../ipc/runtime-dir.js';
import { preflightAmqp } from '../rpc/transports/amqp/preflight.js';

/** Throws a ConfigError naming the option at fault. */
export function preflight(config: Config): void {
  loadTlsOptions(config);
  preflightAmqp(config);
  checkServiceGroupDatabase(config);
  compileLogFormat(config.wsgi_log_format);
  parseTrustedProxies(config.trusted_proxies);
  if (!config.metrics_path.startsWith('/')) {
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      `invalid value for option metrics_path: ${JSON.stringify(config.metrics_path)} must start with /`,
      { option: 'metrics_path' },
    );
  }
  for (const option of ['manager', 'app'] as const) {
    const path = config[option];
    // Package names resolve in the worker; files can be checked here.
    if (path && (path.startsWith('.') || isAbsolute(path)) && !existsSync(resolve(path))) {
      throw new ConfigError(ErrorCodes.CONFIG_INVALID, `invalid value for option ${option}: module file ${resolve(path)} does not exist`, {
        option,
      });
    }
  }
  checkBackdoorPath(config.backdoor_socket);
  checkPoolDirectory(config.pool_directory);
  if (config.reuse_port && !reusePortSupported()) {
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      `reuse_port needs Node 22.12 or later (net.Server.listen's reusePort); this is Node ${process.versions.node}: upgrade Node or turn reuse_port off`,
      { option: 'reuse_port' },
    );
  }
}

/** net.Server.listen({ reusePort }) exists: Node 22.12+, 23.1+ and every later line (earlier ones ignore it). */
export function reusePortSupported(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/** The folder of the pool modules named bare: a typo fails here, not at a task's first run. */
function checkPoolDirectory(directory: string | undefined): void {
  if (!directory || statSync(resolve(directory), { throwIfNoEntry: false })?.isDirectory()) return;
  throw new ConfigError(ErrorCodes.CONFIG_INVALID, `invalid value for option pool_directory: ${resolve(directory)} is not a folder`, {
    option: 'pool_directory',
  });
}

/** The backdoor runs code as us: its folder must be private, and each process needs its own path. */
function checkBackdoorPath(template: string | undefined): void {
  if (template === undefined) return;
  // Workers, the pre-forked spare and reload replacements run side by side.
  if (!template.includes('{pid}')) {
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      'invalid value for option backdoor_socket: the path must contain {pid} (workers, the spare and reload replacements each need their own socket)',
      {
        option: 'backdoor_socket',
      },
    );
  }
  ensurePrivateDir(dirname(resolve(template)), { option: 'backdoor_socket' });
}

/** The db driver needs a PostgreSQL URL; checked without echoing it (it may hold a password). */
function checkServiceGroupDatabase(config: Config): void {
  if (config.servicegroup_driver !== 'db') return;
  const option = 'connection';
  if (!config.connection)
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      'servicegroup_driver = db needs [database] connection (postgresql://user:pass@host:port/dbname)',
      { option },
    );
  if (!/^postgres(ql)?:\/\//.test(config.connection)) {
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      'invalid value for option connection: the db service-group driver takes a postgresql:// URL',
      { option },
    );
  }
}
