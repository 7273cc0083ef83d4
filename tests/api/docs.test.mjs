// docs.test.mjs — every route the server has is documented in docs/api.md,
// and every route names a permission the authorisation table knows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { BIN, ROOT } from './lib.mjs';

test('every route is in docs/api.md', () => {
  const doc = readFileSync(`${ROOT}/docs/api.md`, 'utf8');
  const routes = execFileSync(BIN, ['routes']).toString().trim().split('\n');
  assert.ok(routes.length > 30);
  const missing = routes.map((l) => l.split(' ')).filter(([m, p]) => !doc.includes('`' + m + ' ' + p + '`')).map((r) => r.slice(0, 2).join(' '));
  assert.deepEqual(missing, []);
});

test('every route names a permission of the authorisation table', () => {
  const routes = execFileSync(BIN, ['routes']).toString();
  assert.ok(!routes.includes('UNKNOWN-PERMISSION'), routes.split('\n').filter((l) => l.includes('UNKNOWN')).join('\n'));
});
