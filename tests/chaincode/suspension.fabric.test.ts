// Proves customs can suspend an enterprise on the chain: from the effective time every transaction the enterprise
// submits or evaluates as itself is refused with ENTERPRISE_SUSPENDED, reinstatement reverses it with the history kept,
// and bad requests (unknown enterprise, twice, not suspended, not customs, bad effective time) each get a stable code.
// How: the traceability chaincode on a dev peer, driven directly through the official client with the enterprises' own identities.
import t from 'tap';
import { DevnetProcess, startDevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { usccCheckCharacter } from '../../gateway/src/domain/uscc';

const { importer, processor } = ENTERPRISES;
let dn: DevnetProcess;
let c: TraceClient;
let serial = 0;

function enter(as: string = importer.identity) {
  const p = product(77);
  return c.submit(as, 'goods:Enter', {
    declarationNo: `SUSP-${++serial}`,
    location: gln(70),
    regime: 'ZERO_TARIFF',
    product: { gtin: p.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 1_000,
    items: [p.sgtin(`S${serial}`)],
  });
}

t.before(async () => {
  dn = await startDevnetProcess();
  c = new TraceClient(dn);
  await registerDevnetEnterprises(c);
});
t.teardown(async () => {
  c?.close();
  await dn?.stop();
});

t.test('a suspended enterprise is refused on the chain, for writes and reads, until reinstated', async (t) => {
  await enter();
  const suspended = await c.submit<{ status: string; effectiveAt: string }>(
    'customs-admin',
    'customs:SuspendEnterprise',
    { id: importer.id, reason: 'serious dishonesty' },
  );
  t.equal(suspended.status, 'SUSPENDED');

  const write = await TraceClient.refused(enter());
  t.equal(write.code, 'ENTERPRISE_SUSPENDED');
  t.match(write.message, /suspended by customs since .*: serious dishonesty/);
  const read = await TraceClient.refused(
    c.evaluate(importer.identity, 'account:GetBalances', { enterprise: importer.id }),
  );
  t.equal(read.code, 'ENTERPRISE_SUSPENDED', 'reads as itself are refused too');
  const lookup = await TraceClient.refused(c.evaluate(importer.identity, 'query:GetEnterprise', { id: processor.id }));
  t.equal(lookup.code, 'ENTERPRISE_SUSPENDED');
  await enter(processor.identity); // another enterprise of the same MSP is not touched

  const seen = await c.evaluate<{ suspension: { status: string; inEffect: boolean; reason: string } }>(
    'customs-admin',
    'query:GetEnterprise',
    { id: importer.id },
  );
  t.match(seen.suspension, { status: 'SUSPENDED', inEffect: true, reason: 'serious dishonesty' });

  const reinstated = await c.submit<{ status: string; history: { action: string }[] }>(
    'customs-admin',
    'customs:ReinstateEnterprise',
    { id: importer.id, reason: 'appeal upheld' },
  );
  t.equal(reinstated.status, 'REINSTATED');
  t.same(
    reinstated.history.map((h) => h.action),
    ['SUSPEND', 'REINSTATE'],
    'history kept',
  );
  await enter();
  await c.evaluate(importer.identity, 'account:GetBalances', { enterprise: importer.id });
});

t.test('a scheduled suspension refuses only from its effective time', async (t) => {
  const effectiveAt = new Date(Date.now() + 4_000).toISOString();
  await c.submit('customs-admin', 'customs:SuspendEnterprise', {
    id: processor.id,
    reason: 'licence lapses',
    effectiveAt,
  });
  await enter(processor.identity);
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(effectiveAt) - Date.now()) + 200));
  t.equal((await TraceClient.refused(enter(processor.identity))).code, 'ENTERPRISE_SUSPENDED');
  await c.submit('customs-admin', 'customs:ReinstateEnterprise', { id: processor.id });
  await enter(processor.identity);
});

t.test('bad suspension requests each get a stable code', async (t) => {
  const unknown = await TraceClient.refused(
    c.submit('customs-admin', 'customs:SuspendEnterprise', {
      id: `91460000MA5TKK000${usccCheckCharacter('91460000MA5TKK000')}`,
      reason: 'x',
    }),
  );
  t.equal(unknown.code, 'UNKNOWN_ENTERPRISE');
  await c.submit('customs-admin', 'customs:SuspendEnterprise', { id: importer.id, reason: 'first' });
  t.teardown(() =>
    c.submit('customs-admin', 'customs:ReinstateEnterprise', { id: importer.id }).catch(() => undefined),
  );
  const twice = await TraceClient.refused(
    c.submit('customs-admin', 'customs:SuspendEnterprise', { id: importer.id, reason: 'second' }),
  );
  t.equal(twice.code, 'ALREADY_SUSPENDED');
  const notSuspended = await TraceClient.refused(
    c.submit('customs-admin', 'customs:ReinstateEnterprise', { id: processor.id }),
  );
  t.equal(notSuspended.code, 'NOT_SUSPENDED');
  const byEnterprise = await TraceClient.refused(
    c.submit(processor.identity, 'customs:SuspendEnterprise', { id: importer.id, reason: 'rival' }),
  );
  t.equal(byEnterprise.code, 'ACCESS_DENIED');
  const byItself = await TraceClient.refused(
    c.submit(importer.identity, 'customs:ReinstateEnterprise', { id: importer.id }),
  );
  t.equal(byItself.code, 'ENTERPRISE_SUSPENDED', 'a suspended enterprise cannot even ask');
  const backdated = await TraceClient.refused(
    c.submit('customs-admin', 'customs:SuspendEnterprise', {
      id: processor.id,
      reason: 'x',
      effectiveAt: new Date(Date.now() - 3_600_000).toISOString(),
    }),
  );
  t.equal(backdated.code, 'INVALID_ARGUMENT');
  const noReason = await TraceClient.refused(
    c.submit('customs-admin', 'customs:SuspendEnterprise', { id: processor.id }),
  );
  t.equal(noReason.code, 'INVALID_ARGUMENT');
});
