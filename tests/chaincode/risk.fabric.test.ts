// Proves risk screening and inspection results on the chain (issue 18 Must 1-2): customs puts a risk rule set on the
// ledger; an exit whose facts fire a rule is screened deterministically (the same exit proposal endorsed twice gives
// byte-identical read/write sets, event and response, screening included); the screening is recorded with the exit and
// read back by query:GetInspection; customs records a discrepancy that holds the named item; a result for an exit that
// no rule and no revealed draw selected is refused with NOT_SELECTED_FOR_INSPECTION; an enterprise may not set rules.
// How: the traceability chaincode on a dev peer, driven through the official client (as book-invariant's determinism test).
import t from 'tap';
import { common, gateway as gp, peer } from '@hyperledger/fabric-protos';
import { connectGateway, startDevnetProcess, DevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';

const { importer } = ENTERPRISES;
const CUSTOMS = 'customs-admin';
const WAREHOUSE = gln(31);
const PERFUME = product(901);
const SHIRTS = product(902);
let dn: DevnetProcess;
let c: TraceClient;

t.before(async () => {
  dn = await startDevnetProcess();
  c = new TraceClient(dn);
  await registerDevnetEnterprises(c);
  await c.submit(CUSTOMS, 'customs:SetRiskRules', {
    effectiveFrom: '2025-01-01T00:00:00Z',
    rules: [
      {
        id: 'PERFUME-HS',
        description: 'perfume leaves in volume',
        when: { hsCodePrefixes: ['3303'], exitValueFenAtLeast: 50_000 },
        weight: 60,
        action: 'IMAGE_REVIEW',
      },
      { id: 'BONDED', when: { regimes: ['BONDED'] }, weight: 10, action: 'NONE' },
    ],
    thresholds: [{ minScore: 100, action: 'PHYSICAL_INSPECTION' }],
  });
  for (const [p, hsCode, serials] of [
    [PERFUME, '330300', ['P1', 'P2', 'P3', 'P4']],
    [SHIRTS, '620520', ['S1', 'S2']],
  ] as const) {
    await c.submit(importer.identity, 'goods:Enter', {
      declarationNo: `D-${hsCode}`,
      location: WAREHOUSE,
      regime: 'ZERO_TARIFF',
      product: { gtin: p.gtin, hsCode, category: hsCode === '330300' ? 'COSMETICS' : 'CLOTHING' },
      unitValueFen: 40_000,
      items: serials.map((s) => p.sgtin(s)),
    });
  }
});
t.teardown(async () => {
  c?.close();
  await dn?.stop();
});

function exitRequest(releaseListNo: string, items: string[]) {
  return { releaseListNo, port: 'HAIKOU_XINHAIGANG', items: items.map((id) => ({ id, exitValueFen: 60_000 })) };
}

t.test('determinism: the same screened exit endorsed twice yields byte-identical results', async (t) => {
  const gw = connectGateway(dn.profile, importer.identity);
  t.teardown(() => (gw.close(), gw.grpcClient.close()));
  const contract = gw.getNetwork(dn.profile.channel).getContract('traceability', 'goods');
  const proposal = contract.newProposal('Exit', {
    arguments: [JSON.stringify(exitRequest('RL-DET', [PERFUME.sgtin('P1'), PERFUME.sgtin('P2')]))],
  });
  const actionOf = (bytes: Uint8Array) => {
    const env = gp.PreparedTransaction.deserializeBinary(bytes).getEnvelope()!;
    const tx = peer.Transaction.deserializeBinary(
      common.Payload.deserializeBinary(env.getPayload_asU8()).getData_asU8(),
    );
    const cap = peer.ChaincodeActionPayload.deserializeBinary(tx.getActionsList()[0]!.getPayload_asU8());
    return Buffer.from(
      peer.ProposalResponsePayload.deserializeBinary(
        cap.getAction()!.getProposalResponsePayload_asU8(),
      ).getExtension_asU8(),
    );
  };
  const first = actionOf((await proposal.endorse()).getBytes());
  const second = actionOf((await proposal.endorse()).getBytes());
  t.ok(first.includes(Buffer.from('PERFUME-HS')), 'the endorsed action carries the fired rule');
  t.ok(first.equals(second), 'read/write set, event and response (screening included) are byte-identical');
});

t.test('an exit that fires a rule records the screening; a discrepancy holds the named item', async (t) => {
  const res = await c.submit<{
    exit: { screening: { score: number; action: string; fired: { ruleId: string; items: string[] }[] } };
  }>(importer.identity, 'goods:Exit', exitRequest('RL-RISK', [PERFUME.sgtin('P3'), PERFUME.sgtin('P4')]));
  t.match(res.exit.screening, {
    score: 60,
    action: 'IMAGE_REVIEW',
    fired: [{ ruleId: 'PERFUME-HS', items: [PERFUME.sgtin('P3'), PERFUME.sgtin('P4')] }],
  });
  const view = await c.evaluate<{ screening: { action: string }; result: unknown; rateBp: number }>(
    importer.identity,
    'query:GetInspection',
    { releaseListNo: 'RL-RISK' },
  );
  t.equal(view.screening.action, 'IMAGE_REVIEW', 'the enterprise reads its own screening');
  t.equal(view.result, null);
  t.ok(view.rateBp >= 0, 'the random selection rate is recorded beside it');

  const refused = await c
    .submit(importer.identity, 'customs:RecordInspection', { releaseListNo: 'RL-RISK' })
    .catch((e: Error) => e);
  t.match(refused, { code: 'ACCESS_DENIED' }, 'only customs records results');
  const recorded = await c.submit<{ inspection: { verdict: string; selectedBy: string } }>(
    CUSTOMS,
    'customs:RecordInspection',
    {
      releaseListNo: 'RL-RISK',
      method: 'IMAGE_REVIEW',
      officer: 'HK-0042',
      verdict: 'DISCREPANCY',
      discrepancies: [{ kind: 'QUANTITY', items: [PERFUME.sgtin('P4')] }],
      evidence: { sha256: 'ab'.repeat(32), uri: 'https://h986.example/scans/RL-RISK' },
      consequence: { kind: 'HOLD', items: [PERFUME.sgtin('P4')] },
    },
  );
  t.match(recorded.inspection, { verdict: 'DISCREPANCY', selectedBy: 'RISK' });
  const p4 = await c.evaluate<{ status: string; hold?: { reason: string }; discrepancies?: number }>(
    CUSTOMS,
    'query:GetItem',
    { id: PERFUME.sgtin('P4') },
  );
  t.match(p4, { status: 'EXITED', hold: { reason: /inspection of RL-RISK/ }, discrepancies: 1 });
  const p3 = await c.evaluate<{ hold?: unknown }>(CUSTOMS, 'query:GetItem', { id: PERFUME.sgtin('P3') });
  t.notOk(p3.hold, 'the item not named stays free');
  const ent = await c.evaluate<{ inspectionDiscrepancies?: number }>(CUSTOMS, 'query:GetEnterprise', {
    id: importer.id,
  });
  t.equal(ent.inspectionDiscrepancies, 1, 'the discrepancy counts against the enterprise');
});

t.test('a result for an exit that was not selected is refused with NOT_SELECTED_FOR_INSPECTION', async (t) => {
  const res = await c.submit<{ exit: { screening: { action: string; score: number } } }>(
    importer.identity,
    'goods:Exit',
    exitRequest('RL-CLEAN', [SHIRTS.sgtin('S1')]),
  );
  t.same([res.exit.screening.action, res.exit.screening.score], ['NONE', 0]);
  const err = await c
    .submit(CUSTOMS, 'customs:RecordInspection', {
      releaseListNo: 'RL-CLEAN',
      method: 'DOCUMENTS',
      officer: 'HK-0042',
      verdict: 'CONFORMING',
      evidence: { sha256: 'cd'.repeat(32), uri: 'https://h986.example/reports/RL-CLEAN' },
      consequence: { kind: 'RELEASE' },
    })
    .catch((e: Error) => e);
  t.match(err, {
    code: 'NOT_SELECTED_FOR_INSPECTION',
    message: /exit RL-CLEAN was not selected for inspection: its risk screening asked for NONE/,
  });
  const setErr = await c
    .submit(importer.identity, 'customs:SetRiskRules', { effectiveFrom: '2025-01-01T00:00:00Z', rules: [] })
    .catch((e: Error) => e);
  t.match(setErr, { code: 'ACCESS_DENIED' });
  const rules = await c.evaluate<{ inForce: { rules: { id: string }[] } }>(CUSTOMS, 'query:GetRiskRules', {});
  t.same(
    rules.inForce.rules.map((r) => r.id),
    ['PERFUME-HS', 'BONDED'],
  );
});
