/** `--help` text, generated from the option table. */
import { envName, flagName, iniKey } from './option-types.js';
import { OPTIONS, type OptionName } from './options.js';

function describeDefault(name: OptionName): string {
  const spec = OPTIONS[name];
  if (typeof spec.default === 'function') return name === 'workers' ? 'available parallelism' : 'hostname';
  if (name === 'binary') return "from the manager's class name";
  if (spec.default === undefined) return 'unset';
  return JSON.stringify(spec.default);
}

/** Usage text for `command` (the bin's name, "oslo-node"). */
export function renderHelp(command: string): string {
  const lines = [
    `Usage: ${command} [--config-file FILE]... [options]`,
    '',
    'Every option can also be set in an INI config file (in its [section]) or as an environment',
    'variable; precedence: defaults < config files < environment < command line.',
    '',
  ];
  let group = '';
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const spec = OPTIONS[name];
    if (spec.group !== group) {
      group = spec.group;
      lines.push(`[${group}]`);
    }
    const flag = spec.type === 'bool' ? `${flagName(name)} / --no-${flagName(name).slice(2)}` : `${flagName(name)} VALUE`;
    const key = iniKey(name, spec);
    lines.push(key === name ? `  ${flag}` : `  ${flag}   (INI: [${spec.group}] ${key})`);
    lines.push(`      ${spec.help}`);
    lines.push(`      default: ${describeDefault(name)}; env: ${envName(name)}`);
  }
  lines.push('', '  --config-file FILE   read an INI file (may repeat; later files win)');
  lines.push(
    '  -h, --help           print this text',
    '  -V, --version        print the version',
    '  -d                   same as --debug',
  );
  return lines.join('\n');
}
