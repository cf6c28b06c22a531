/**
 * nova's BaseRPCAPI: an extra endpoint in namespace `baseapi`, version 1.1, served by every
 * service. `ping` is what `waitUntilReady` calls.
 */
export class BaseRpcApi {
  readonly target = { namespace: 'baseapi', version: '1.1' };
  readonly #service: string;

  constructor(serviceName: string) {
    this.#service = serviceName;
  }

  ping(_ctx: unknown, args: { arg?: unknown }): { service: string; arg: unknown } {
    return { service: this.#service, arg: args.arg ?? null };
  }
}
