/**
 * A standalone client: a plain Node program, outside the launcher, that calls the inventory
 * service and sends a notification, as a Python oslo.messaging client would.
 *
 *   node dist/client.js add NAME [COUNT]     call add_item, print the item
 *   node dist/client.js list                 call list_items
 *   node dist/client.js checksum TEXT        call checksum (computed in the service's pool)
 *   node dist/client.js notify EVENT JSON    send a notification (info) on `notifications`
 *
 * With TRANSPORT_URL (rabbit://user:pass@host:5672/vhost) it goes over RabbitMQ; without, to the
 * embedded transport of the launcher running on this host (EMBEDDED_SOCKET names its socket
 * when the launcher was given --embedded-socket).
 */
import { getNotificationTransport, getRpcTransport, Notifier, RpcClient } from 'oslo-node';

const [command, ...args] = process.argv.slice(2);
const transportUrl = process.env.TRANSPORT_URL;
const config = process.env.EMBEDDED_SOCKET ? { embedded_socket: process.env.EMBEDDED_SOCKET } : {};
const ctx = { user: 'inventory-client', request_id: `req-${process.pid}` };

async function rpc(method: string, kwargs: Record<string, unknown>): Promise<unknown> {
  const transport = await getRpcTransport({ transportUrl, config });
  try {
    const client = new RpcClient(transport, { topic: 'inventory' }, { timeoutSeconds: 10 });
    return await client.call(ctx, method, kwargs);
  } finally {
    await transport.stop();
  }
}

async function notify(eventType: string, payload: unknown): Promise<void> {
  const transport = await getNotificationTransport({ transportUrl, config });
  try {
    const notifier = new Notifier(transport, { publisherId: 'inventory-client.local', driver: 'messagingv2', topics: ['notifications'] });
    await notifier.info(ctx, eventType, payload);
  } finally {
    await transport.stop();
  }
}

async function main(): Promise<void> {
  switch (command) {
    case 'add':
      console.log(JSON.stringify(await rpc('add_item', { name: args[0], count: Number(args[1] ?? 1) })));
      return;
    case 'list':
      console.log(JSON.stringify(await rpc('list_items', {})));
      return;
    case 'checksum':
      console.log(JSON.stringify(await rpc('checksum', { text: args[0] ?? '', rounds: 1000 })));
      return;
    case 'notify':
      await notify(args[0] ?? 'inventory.client.hello', JSON.parse(args[1] ?? '{}'));
      console.log('sent');
      return;
    default:
      console.error('usage: client.js add NAME [COUNT] | list | checksum TEXT | notify EVENT JSON');
      process.exitCode = 2;
  }
}

main().catch((error: Error) => {
  console.error(`client: ${error.name}: ${error.message}`);
  process.exitCode = 1;
});
