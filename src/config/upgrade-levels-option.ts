/**
 * `[upgrade_levels]` (nova's): one key per RPC topic, `TOPIC = auto | VERSION`, capping every
 * RpcClient of that topic (src/rpc/upgrade-levels.ts). The keys are topics, not option names,
 * so the option owns its section whole; on the command line and in the environment it is
 * oslo's DictOpt form: `--upgrade-levels demo:auto,compute:5.0`.
 */
import type { DictOption } from './option-types.js';

export const UPGRADE_LEVELS_OPTIONS = {
  upgrade_levels: {
    group: 'upgrade_levels',
    type: 'dict',
    wholeSection: true,
    default: {},
    values: { pattern: /^(auto|\d{1,9}\.\d{1,9}(\.\d{1,9})?)$/, expected: 'auto or a version like 1.2' },
    help: "RPC version cap per topic ([upgrade_levels] TOPIC = auto | VERSION): auto = what the oldest live service of the topic serves (its service version through the manager's versionHistory). See docs/servicegroup.md.",
  },
} as const satisfies Record<string, DictOption>;
