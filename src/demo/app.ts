/**
 * The demo service's HTTP app (what runs without --app). Routes:
 *   GET  /healthz          200 {status, pid, worker}
 *   GET  /v1/services      the service group: host, binary, topic, state up/down, last heartbeat, disabled
 *   GET  /v1/workers       this launcher's workers: slot, pid, start time, restarts, ready
 *   GET  /v1/rpc/ping      an RPC call of `ping` through the transport (answered by any worker)
 *   POST /v1/rpc/echo      the JSON body's `value` echoed back through an RPC call
 *   GET  /v1/tasks         periodic tasks: name, spacing, last run, last duration, runs, failures
 *   GET  /metrics          Prometheus text, merged over the launcher's workers (with metrics_enabled
 *                          and metrics_port 0 only: each scrape costs the launcher a collection)
 *   POST /v1/services/disable, /v1/services/enable   admin only (Bearer admin_token); 404 when no token is set
 * RPC failures map to: 504 timeout, 502 remote error, 503 broker or transport unavailable.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Config } from '../config/options.js';
import type { AppContext, LauncherView } from '../http/app-loader.js';
import type { Logger } from '../logging/logger.js';
import { InvalidArgumentError } from '../errors.js';
import type { RpcClient } from '../rpc/client.js';
import { ClientSendError, MessageDeliveryFailure, MessagingTimeout, RemoteError } from '../rpc/errors.js';
import { createTokenCheck } from '../security/token-check.js';
import type { Service } from '../service/service.js';
import { ServiceGroupUnavailableError, ServiceNotFoundError } from '../servicegroup/errors.js';
import { InvalidReport, parseDisable } from '../servicegroup/report.js';
import { demoMetrics } from './metrics.js';

/** The demo needs everything a launcher's worker gives an app factory. */
export interface DemoAppContext {
  config: Config;
  logger: Logger;
  slot: number;
  launcher: LauncherView;
  service: Service;
  rpc: RpcClient;
}

const MAX_BODY_BYTES = 1 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'body must be a JSON object');
  }
}

/** The HTTP answer for a route's failure; undefined for one the demo did not expect (a 500). */
function failureResponse(error: unknown): { status: number; body: Record<string, unknown> } | undefined {
  if (error instanceof HttpError) return { status: error.status, body: { error: error.message } };
  if (error instanceof ServiceNotFoundError) return { status: 404, body: { error: error.message, code: error.code } };
  if (error instanceof ServiceGroupUnavailableError) return { status: 503, body: { error: error.message, code: error.code } };
  if (error instanceof MessagingTimeout) return { status: 504, body: { error: error.message } };
  // Broker down, unroutable, or the transport closed: the service is unavailable, say why.
  if (error instanceof MessageDeliveryFailure || error instanceof ClientSendError)
    return { status: 503, body: { error: error.message, code: error.code } };
  if (error instanceof RemoteError) return { status: 502, body: { error: error.message, class: error.excType } };
  return undefined;
}

/** The launcher's merged metrics in the text format, or a 503 saying why not. */
function serveMetrics(launcher: LauncherView, res: ServerResponse): void {
  launcher.metrics().then(
    (text) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
    },
    (error: unknown) => sendJson(res, 503, { error: `metrics unavailable: ${(error as Error).message}` }),
  );
}

/** An RPC call timed and counted in the demo's own metrics. */
function meteredCall(rpc: RpcClient, metrics: ReturnType<typeof demoMetrics>) {
  return async (method: string, args: Record<string, unknown>): Promise<unknown> => {
    const end = metrics.rpcSeconds.startTimer({ method });
    try {
      const result = await rpc.call({}, method, args);
      metrics.rpcCalls.inc({ method, outcome: 'ok' });
      return result;
    } catch (error) {
      metrics.rpcCalls.inc({ method, outcome: error instanceof MessagingTimeout ? 'timeout' : 'error' });
      throw error;
    } finally {
      end();
    }
  };
}

/** Build the demo request listener. */
export function createDemoApp(context: DemoAppContext): RequestListener {
  const { service, rpc, launcher, config } = context;
  const workers = () => launcher.workers();
  const metrics = demoMetrics(() => service.tasks(), workers);
  const callRpc = meteredCall(rpc, metrics);

  const adminTokenMatches = config.admin_token ? createTokenCheck(`Bearer ${config.admin_token}`) : undefined;
  const requireAdmin = (req: IncomingMessage): void => {
    if (!adminTokenMatches) throw new HttpError(404, 'not found');
    if (!adminTokenMatches(req.headers.authorization ?? '')) throw new HttpError(401, 'admin token required');
  };

  /** Admin only; the body names host and binary (default: this service) and, to disable, a reason. */
  const setDisabled = async (req: IncomingMessage, disabled: boolean): Promise<unknown> => {
    requireAdmin(req);
    const body = await readJson(req);
    const request = parseDisable({
      host: body.host ?? service.host,
      binary: body.binary ?? service.binary,
      disabled,
      reason: body.reason ?? null,
    });
    if (request instanceof InvalidReport) throw new HttpError(400, `invalid ${request.field}: a string of 1 to 255 characters`);
    await service.serviceGroup.setDisabled(request.host, request.binary, request.disabled, request.reason);
    return { disabled };
  };

  const routes: Record<string, (req: IncomingMessage) => Promise<unknown>> = {
    'GET /healthz': async () => ({ status: 'ok', pid: process.pid, worker: context.slot }),
    'GET /v1/services': async () => ({ services: await service.services() }),
    'GET /v1/workers': async () => ({ workers: await workers() }),
    'GET /v1/rpc/ping': async () => ({ result: await callRpc('ping', {}), via: { pid: process.pid, worker: context.slot } }),
    'POST /v1/rpc/echo': async (req) => ({ result: await callRpc('echo', { value: (await readJson(req)).value ?? null }) }),
    'GET /v1/tasks': async () => ({ tasks: service.tasks() }),
    'POST /v1/services/disable': (req) => setDisabled(req, true),
    'POST /v1/services/enable': (req) => setDisabled(req, false),
  };

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const key = `${req.method} ${path}`;
    // Metrics off, or served on their own port (metrics_host, metrics_token): not here either.
    if (key === 'GET /metrics' && config.metrics_enabled && config.metrics_port === 0) {
      serveMetrics(launcher, res);
      return;
    }
    const route = routes[key];
    const finish = (status: number, body: unknown): void => {
      metrics.httpRequests.inc({ method: req.method ?? '?', route: route ? path : 'unknown', status: String(status) });
      if (!res.headersSent) sendJson(res, status, body);
    };
    if (!route) {
      finish(404, { error: 'not found', path });
      return;
    }
    route(req).then(
      (body) => finish(200, body),
      (error: unknown) => {
        const failure = failureResponse(error);
        if (failure) return finish(failure.status, failure.body);
        context.logger.error({ err: error, route: key }, 'demo route failed');
        finish(500, { error: 'internal error' });
      },
    );
  };
}

/** The app module's default export: a factory for the launcher's workers (see app-loader.ts). */
export default function demoApp(context: AppContext): RequestListener {
  const { service, rpc, launcher, workerSlot } = context;
  if (!service || !rpc || !launcher)
    throw new InvalidArgumentError('the demo app runs in a launcher worker (it needs service, rpc and launcher)');
  return createDemoApp({ config: context.config, logger: context.logger, slot: workerSlot ?? 0, launcher, service, rpc });
}
