export { loadConfig, configFromJson, loggableConfig, type ConfigOverrides, type LoadedConfig } from './load.js';
export { OPTIONS, type Config, type OptionName } from './options.js';
export { renderHelp } from './help.js';
export { envName, flagName, ENV_PREFIX } from './option-types.js';
