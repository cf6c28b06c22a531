/**
 * What the framework's parts report when metrics are on (`metrics_enabled`): plain interfaces,
 * so the parts never load prom-client, and nothing is called at all when metrics are off.
 */

/** HttpService: one call per answered request. */
export interface HttpObserver {
  request(method: string | undefined, status: number, seconds: number): void;
}

/** RpcServer and RpcClient: one call per request served or call/cast made. */
export interface RpcObserver {
  /** A request dispatched by this server; `error` when the endpoint (or dispatch) failed. */
  served(kind: 'call' | 'cast', seconds: number, error: unknown): void;
  /** A call or cast made by a client; `error` when it failed (timeout, remote error, send). */
  made(kind: 'call' | 'cast', seconds: number, error: unknown): void;
}

/** A bounded label for an outcome: `ok`, or the error's class name. */
export function outcomeOf(error: unknown): string {
  if (error === undefined) return 'ok';
  return error instanceof Error ? error.name : 'Error';
}

/** `2xx`, `4xx`… for a status code. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}
