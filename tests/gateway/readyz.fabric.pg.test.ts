// Proves /readyz means "a transaction can commit" (issue 17 Must 3): with the dev peer's chaincode servers stopped it
// answers 503 NOT_READY problem+json with the reason chaincode-unendorsable naming the organisation whose peer could not
// endorse; with the orderer unreachable, 503 orderer-unreachable; and 200 again once each is back, by itself, without
// restarting the gateway. The probe writes nothing: the chain does not grow while /readyz is polled.
// How: a dev peer child process (stdin control), the gateway app in-process with the real Fabric ledger clients and
// the readiness checks of gateway/src/server.ts, polled through fastify.inject.
import t from 'tap';
import { join } from 'node:path';
import { connectGateway, startDevnetProcess, type DevnetProfile } from '../../testkit/src/devnet';
import { newLedgerClients } from '../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import type { ReadinessCheck } from '../../gateway/src/ports';
import { buildTestApp } from './helpers/app';
import { createMigratedDatabase } from './helpers/database';
import { createPool } from '../../gateway/src/adapters/pg';
import { waitFor } from './helpers/wait';

interface ReadyProblem {
  code: string;
  detail: string;
  reasons: { reason: string; detail: string }[];
  checks: { name: string; ok: boolean }[];
}

t.test(
  '/readyz: 503 while the chaincode cannot be endorsed or the orderer is unreachable, 200 again when back',
  { timeout: 240_000 },
  async (t) => {
    const dn = await startDevnetProcess();
    t.teardown(() => dn.stop());
    const { settings, problems } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
    t.same(problems, []);
    const ledgers = newLedgerClients({ settings: settings!, customsMspId: 'CustomsMSP' });
    t.teardown(() => ledgers.close());
    const databaseUrl = await createMigratedDatabase(t);
    const pool = createPool({ connectionString: databaseUrl });
    t.teardown(() => pool.end());
    const readinessChecks: ReadinessCheck[] = [
      { name: 'ledger', check: () => ledgers.ping() },
      { name: 'database', check: async () => void (await pool.query('SELECT 1')) },
    ];
    // The gateway's default readiness timeout (READINESS_TIMEOUT_MS, 2 s): longer than the dev peer's 1 s dial timeout
    // of a stopped chaincode server, so the peer's answer, naming the organisation, arrives in time.
    const { app } = await buildTestApp(t, { databaseUrl, readinessChecks, readinessTimeoutMs: 2_000 });
    const readyz = async () => {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      return {
        status: res.statusCode,
        contentType: String(res.headers['content-type']),
        body: res.json() as ReadyProblem & { status?: string },
      };
    };

    const first = await readyz();
    t.equal(first.status, 200, `ready while everything runs: ${JSON.stringify(first.body)}`);
    t.same(first.body, {
      status: 'ready',
      checks: [
        { name: 'ledger', ok: true },
        { name: 'database', ok: true },
      ],
    });
    const markerBefore = await commitMarker(dn.profile);

    await dn.stopChaincodes();
    const down = await waitFor(
      '/readyz 503 with the chaincode stopped',
      async () => {
        const r = await readyz();
        return r.status === 503 ? r : undefined;
      },
      60,
      500,
    );
    t.match(down.contentType, /^application\/problem\+json/);
    t.equal(down.body.code, 'NOT_READY');
    t.same(
      down.body.checks,
      [
        { name: 'ledger', ok: false },
        { name: 'database', ok: true },
      ],
      'the ledger check failed, not the database',
    );
    const unendorsable = down.body.reasons.find((r) => r.reason === 'chaincode-unendorsable');
    t.ok(unendorsable, `the reason is chaincode-unendorsable: ${JSON.stringify(down.body.reasons)}`);
    t.match(
      unendorsable?.detail,
      /^chaincode traceability cannot be endorsed by CustomsMSP \(peer [^)]+\): .*could not launch chaincode traceability/,
      "it names the organisation and the peer's reason",
    );
    t.match(down.body.detail, /^not ready: chaincode traceability cannot be endorsed by CustomsMSP/);

    await dn.startChaincodes();
    const back = await waitFor(
      '/readyz 200 once the chaincode is back',
      async () => {
        const r = await readyz();
        return r.status === 200 ? r : undefined;
      },
      60,
      500,
    );
    t.equal(back.body.status, 'ready', 'ready again by itself, same gateway');

    await dn.setOrdererReachable(false);
    // The orderer is probed every 15 s while it looks fine; a real submit seeing no orderer counts at once.
    const submit = ledgers.forCaller({ mspId: 'CustomsMSP', enterpriseId: null }, 'system').submit('GetVersion');
    await t.rejects(submit, { code: 'LEDGER_UNAVAILABLE' }, 'a submit finds no orderer');
    const noOrderer = await waitFor(
      '/readyz 503 with the orderer unreachable',
      async () => {
        const r = await readyz();
        return r.status === 503 ? r : undefined;
      },
      60,
      500,
    );
    t.same(
      noOrderer.body.reasons.map((r) => r.reason),
      ['orderer-unreachable'],
    );
    t.match(noOrderer.body.reasons[0]?.detail, /no orderers could successfully process transaction/);

    await dn.setOrdererReachable(true);
    const ordered = await waitFor(
      '/readyz 200 once the orderer is back',
      async () => {
        const r = await readyz();
        return r.status === 200 ? r : undefined;
      },
      60,
      500,
    );
    t.equal(ordered.body.status, 'ready', 'ready again without any submit: the probe saw the orderer by itself');
    t.equal(
      await commitMarker(dn.profile),
      markerBefore + 1n,
      'probing wrote nothing: no block between the two markers (the refused submits cut none)',
    );
  },
);

t.test('/readyz caches its outcome and runs one probe at a time', async (t) => {
  let runs = 0;
  let release: () => void = () => undefined;
  const { app } = await buildTestApp(t, {
    readinessChecks: [
      {
        name: 'ledger',
        check: () => {
          runs++;
          return new Promise<void>((resolve) => (release = resolve));
        },
      },
    ],
  });
  const calls = Array.from({ length: 5 }, () => app.inject({ method: 'GET', url: '/readyz' }));
  await new Promise((r) => setTimeout(r, 100));
  release();
  const answers = await Promise.all(calls);
  t.same(
    answers.map((a) => a.statusCode),
    [200, 200, 200, 200, 200],
  );
  t.equal(runs, 1, 'five concurrent calls, one probe');
  await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(runs, 1, 'a call within the cache period reuses the outcome');
});

/** Commit one read-only GetVersion (official client) and return its block number: blocks cut since show as a gap. */
async function commitMarker(profile: DevnetProfile): Promise<bigint> {
  const gw = connectGateway(profile);
  try {
    const submitted = await gw
      .getNetwork(profile.channel)
      .getContract('traceability', 'system')
      .submitAsync('GetVersion');
    const status = await submitted.getStatus();
    if (!status.successful) throw new Error(`marker transaction invalid: ${status.code}`);
    return status.blockNumber;
  } finally {
    gw.close();
    gw.grpcClient.close();
  }
}
