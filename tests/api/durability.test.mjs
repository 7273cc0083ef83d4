// durability.test.mjs — nothing acknowledged is ever lost (R10.3): a stream
// of writes, SIGKILL at a random moment, restart, and every write the API
// acknowledged is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib.mjs';

test('acknowledged writes survive SIGKILL', async () => {
  const h = await startServer();
  const token = await h.login('office');
  const acked = [];
  const killAfter = 150 + Math.floor(Math.random() * 600);
  const started = Date.now();
  let stop = false;
  const writers = [0, 1, 2, 3].map(async (w) => {
    for (let i = 0; !stop; i++) {
      try {
        const r = await h.api('POST', '/api/v1/people', { token, body: { name: `持久${w}-${i}`, phone: `w${w}i${i}` } });
        if (r.status === 201) acked.push(r.body.id);
      } catch { return; } // connection cut by the kill: not acknowledged
    }
  });
  while (Date.now() - started < killAfter) await new Promise((r) => setTimeout(r, 10));
  await h.stop('SIGKILL');
  stop = true;
  await Promise.all(writers);
  assert.ok(acked.length > 0, 'some writes were acknowledged before the kill');
  const h2 = await startServer({ demo: false, db: h.db });
  const t2 = await h2.login('office');
  const missing = [];
  for (const id of acked) {
    const r = await h2.api('GET', `/api/v1/people/${id}`, { token: t2 });
    if (r.status !== 200) missing.push(id);
  }
  assert.deepEqual(missing, [], `all ${acked.length} acknowledged writes present`);
  const v = await h2.api('GET', '/api/v1/audit/verify', { token: await h2.login('auditor') });
  assert.equal(v.body.intact, true, 'audit chain intact after the crash');
  await h2.close();
});
