/** loadApp: listener vs factory detection and coded load errors (issue 3). */
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, OsloNodeError } from '../../../src/errors.js';
import { isRequestListener, loadApp } from '../../../src/http/app-loader.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { loadConfig } from '../../../src/config/index.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/http/${name}`, import.meta.url));
const context = { config: loadConfig([], {}).config, logger: silentLogger() };

test('arity >= 2 or a handle/listen property means listener; arity <= 1 means factory', () => {
  assert.equal(
    isRequestListener((_req: unknown, _res: unknown) => undefined),
    true,
  );
  assert.equal(
    isRequestListener((_a: unknown, _b: unknown, _c: unknown) => undefined),
    true,
  );
  assert.equal(isRequestListener(Object.assign(() => undefined, { handle: () => undefined })), true);
  assert.equal(isRequestListener(Object.assign((_ctx: unknown) => undefined, { listen: () => undefined })), true);
  assert.equal(
    isRequestListener((_ctx: unknown) => undefined),
    false,
  );
  assert.equal(
    isRequestListener(() => undefined),
    false,
  );
});

test('an Express app module is returned as is', async () => {
  const app = await loadApp(fixture('express-app.js'), context);
  assert.equal(typeof app, 'function');
  assert.equal(typeof (app as unknown as { handle: unknown }).handle, 'function');
});

test('a path relative to the working directory loads', async () => {
  const app = await loadApp(`./${relative(process.cwd(), fixture('factory-app.js'))}`, context);
  assert.equal(typeof app, 'function');
});

test('failures are ERR_MODULE_LOAD errors naming the module', async () => {
  const cases = [fixture('no-such-module.js'), fixture('not-an-app.js'), 'no-such-package-oslo-node-test'];
  for (const path of cases) {
    await assert.rejects(loadApp(path, context), (error: unknown) => {
      assert.ok(error instanceof OsloNodeError);
      assert.equal(error.code, ErrorCodes.MODULE_LOAD);
      assert.ok(error.message.includes(path), error.message);
      return true;
    });
  }
});
