/**
 * nova's own services-table code (Debian's python3-nova in the trixie root of
 * scripts/trixie-root.sh), driven through test/fixtures/python/nova_services_peer.py: one JSON
 * command a line on its stdin, one JSON answer a line on its stdout. The root shares our
 * network namespace, so the peer reaches the throwaway PostgreSQL on loopback.
 * In CI (CI=true) a root without nova fails the test; elsewhere the test is skipped.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { execa } from 'execa';
import { stagePythonPeer, trixieRoot } from '../integration/rabbitmq4/support.js';

export interface NovaAnswer {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export interface NovaPeer {
  /** Send one command, resolve with its answer (rejects when the answer says ok: false). */
  send(command: Record<string, unknown>): Promise<NovaAnswer>;
  /** The peer's stderr so far (nova's log). */
  readonly stderr: string[];
  stop(): Promise<void>;
}

/** nova's option file for the peer: `[database] connection` as SQLAlchemy names psycopg2. */
export function novaConf(databaseUrl: string, options: { reportInterval: number; serviceDownTime: number }): string {
  return [
    '[DEFAULT]',
    'transport_url = fake:/',
    `report_interval = ${options.reportInterval}`,
    `service_down_time = ${options.serviceDownTime}`,
    '[oslo_messaging_notifications]',
    'driver = noop',
    '[database]',
    `connection = ${databaseUrl.replace(/^postgres(ql)?:/, 'postgresql+psycopg2:')}`,
    '',
  ].join('\n');
}

/** The trixie root's path when it has nova; undefined after skipping `t` (throws in CI). */
export function novaRoot(t: TestContext): string | undefined {
  const root = trixieRoot();
  const why =
    'skip' in root
      ? root.skip
      : existsSync(`${root.path}/usr/lib/python3/dist-packages/nova/servicegroup/drivers/db.py`)
        ? undefined
        : `no python3-nova in ${root.path} (run sudo bash scripts/trixie-root.sh)`;
  if (why === undefined) return (root as { path: string }).path;
  if (process.env.CI === 'true') throw new Error(`${why}; the nova services-table tests need it in CI`);
  t.skip(why);
  return undefined;
}

/** Start a nova peer on `databaseUrl` in the root; stopped after the test. */
export async function startNovaPeer(
  t: TestContext,
  rootPath: string,
  databaseUrl: string,
  options: { reportInterval: number; serviceDownTime: number },
): Promise<NovaPeer> {
  const staged = await stagePythonPeer(t, rootPath);
  await writeFile(`${staged.hostDir}/nova.conf`, novaConf(databaseUrl, options));
  const child = execa('chroot', [rootPath, 'python3', `${staged.rootDir}/nova_services_peer.py`, `${staged.rootDir}/nova.conf`], {
    reject: false,
    buffer: false,
    stdin: 'pipe',
    cleanup: true,
    env: { PYTHONDONTWRITEBYTECODE: '1' },
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const answers: NovaAnswer[] = [];
  const waiting: Array<(answer: NovaAnswer) => void> = [];
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const answer = JSON.parse(pending.slice(0, newline)) as NovaAnswer;
      pending = pending.slice(newline + 1);
      const next = waiting.shift();
      if (next) next(answer);
      else answers.push(answer);
    }
  });
  const exited = child.then((result) => result);
  let chain: Promise<unknown> = Promise.resolve();
  const peer: NovaPeer = {
    stderr,
    send(command) {
      const sent = chain.then(
        () =>
          new Promise<NovaAnswer>((resolve, reject) => {
            const timer = setTimeout(
              () =>
                reject(new Error(`nova peer did not answer ${JSON.stringify(command)} in 60 s; stderr:\n${stderr.slice(-20).join('\n')}`)),
              60_000,
            );
            void exited.then((result) =>
              reject(
                new Error(
                  `nova peer exited (${result.exitCode}) before answering ${JSON.stringify(command)}; stderr:\n${stderr.slice(-20).join('\n')}`,
                ),
              ),
            );
            waiting.push((answer) => {
              clearTimeout(timer);
              if (answer.ok) resolve(answer);
              else reject(new Error(`nova peer: ${command.cmd} failed: ${answer.error}; stderr:\n${stderr.slice(-20).join('\n')}`));
            });
            child.stdin!.write(`${JSON.stringify(command)}\n`);
          }),
      );
      chain = sent.catch(() => undefined);
      return sent;
    },
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  t.after(() => peer.stop());
  return peer;
}
