// Proves bring your own key through the HTTP API (issue 13 Must 4): an enterprise whose key the gateway never holds
// registers with its CSR, then declares an entry and a shipment. Each step route answers 202 with a signing session;
// the enterprise signs the proposal digest and the transaction digest with `hainan-sign` (the shipped command, and its
// library), and the session ends committed with the chaincode's answer. The chain holds the items for the
// enterprise; the gateway stored no key for it. A capture from it waits for its signatures, one session per
// transaction, wave by wave, and ends committed. A wrong signature on either digest is refused with
// SIGNATURE_INVALID, a finished session cannot be signed again, and another enterprise cannot see the session.
// How: the onboarding stack (a dev peer process with its Fabric CA, PostgreSQL, the app via fastify.inject).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURE_QUEUE, newCaptureJobHandler, type CaptureJob } from '../../gateway/src/capture/processor';
import { newKeyAndCsr } from '../../gateway/src/identity/enrollment-csr';
import { signDigest } from '../../packages/signer/src/index';
import { entryEvent, epcisDocument, shippingEvent } from '../../testkit/src/epcis';
import { gln, product, TraceClient } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { startOnboardingStack, usccFor, type OnboardingStack } from './helpers/onboarding';
import { waitFor } from './helpers/wait';

const CLI = join(__dirname, '..', '..', 'packages', 'signer', 'dist', 'cli.js');
const WINE = product(801);

interface Session {
  id: string;
  state: string;
  fn: string;
  transactionId: string;
  sign?: { what: string; digest: string };
  result?: { txId?: string; items?: number };
  blockNumber?: string;
  next: string;
}

let stack: OnboardingStack;

t.before(async () => {
  stack = await startOnboardingStack(t);
});

/** Sign with the shipped command: the key file stays with the enterprise. */
function signWithCli(keyFile: string, digest: string): string {
  return execFileSync(process.execPath, [CLI, '--key', keyFile, digest], { encoding: 'utf8' }).trim();
}

t.test('an enterprise that keeps its key declares an entry and a shipment, signing each itself', async (t) => {
  const id = usccFor(700_001);
  const receiverId = usccFor(700_002);
  const own = await newKeyAndCsr(id); // the enterprise's: only the CSR is sent
  const dir = mkdtempSync(join(tmpdir(), 'byok-'));
  const keyFile = join(dir, 'key.pem');
  writeFileSync(keyFile, own.privateKeyPem, { mode: 0o600 });

  const registered = await stack.app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(stack.customsKey),
    payload: { id, name: 'Own Key Trading', roles: ['enterprise'], mspId: 'EnterpriseMSP', csr: own.csrPem },
  });
  t.equal(registered.statusCode, 201, registered.body);
  t.equal(registered.json().identity.kind, 'external');
  const receiver = await stack.app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(stack.customsKey),
    payload: { id: receiverId, name: 'Receiver', roles: ['enterprise'], mspId: 'EnterpriseMSP' },
  });
  t.equal(receiver.statusCode, 201, receiver.body);
  const key = (
    await stack.app.inject({
      method: 'POST',
      url: `/v1/enterprises/${id}/keys`,
      headers: bearer(stack.customsKey),
      payload: { role: 'enterprise', label: 'erp' },
    })
  ).json().key as string;
  const { rows } = await stack.db.query<{ key_ciphertext: Buffer | null }>(
    'SELECT key_ciphertext FROM enterprise_identities WHERE enterprise_id = $1',
    [id],
  );
  t.same(rows, [{ key_ciphertext: null }], 'the gateway holds no key for it');

  const signThrough = async (started: Session, sign: (digest: string) => string): Promise<Session> => {
    t.equal(started.state, 'proposed');
    t.equal(started.sign?.what, 'proposal');
    const endorsed = await stack.app.inject({
      method: 'POST',
      url: started.next,
      headers: bearer(key),
      payload: { signature: sign(started.sign!.digest) },
    });
    t.equal(endorsed.statusCode, 200, endorsed.body);
    const afterProposal = endorsed.json() as Session;
    t.match(afterProposal, { state: 'endorsed', sign: { what: 'transaction' } });
    const committed = await stack.app.inject({
      method: 'POST',
      url: afterProposal.next,
      headers: bearer(key),
      payload: { signature: sign(afterProposal.sign!.digest) },
    });
    t.equal(committed.statusCode, 200, committed.body);
    return committed.json() as Session;
  };

  // The entry, signed with the shipped command.
  const items = [WINE.sgtin('own-1'), WINE.sgtin('own-2'), WINE.sgtin('own-3')];
  const entry = await stack.app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: bearer(key),
    payload: {
      declarationNo: 'BYOK-D-1',
      location: gln(1),
      regime: 'ZERO_TARIFF',
      product: { gtin: WINE.gtin, hsCode: '220421', category: 'ALCOHOL', volumeMl: 750 },
      unitValueFen: 20_000,
      items,
    },
  });
  t.equal(entry.statusCode, 202, entry.body);
  t.equal(entry.headers.location, `/v1/signing-sessions/${(entry.json() as Session).id}`);
  const entered = await signThrough(entry.json() as Session, (digest) => signWithCli(keyFile, digest));
  t.match(entered, { state: 'committed', fn: 'goods:Enter', result: { items: 3 } });
  t.ok(Number(entered.blockNumber) > 0, `in block ${entered.blockNumber}`);

  // The shipment, signed with the library.
  const shipment = await stack.app.inject({
    method: 'POST',
    url: '/v1/shipments',
    headers: bearer(key),
    payload: { shipmentId: 'BYOK-S-1', toEnterprise: receiverId, toLocation: gln(2), items: items.slice(0, 2) },
  });
  t.equal(shipment.statusCode, 202, shipment.body);
  const shipped = await signThrough(shipment.json() as Session, (digest) =>
    Buffer.from(signDigest(own.privateKeyPem, Buffer.from(digest, 'base64'))).toString('base64'),
  );
  t.match(shipped, { state: 'committed', fn: 'goods:Ship' });

  // On the chain: entered and shipped by the enterprise, in the sessions' transactions.
  const chain = new TraceClient(stack.dn);
  t.teardown(() => chain.close());
  const { history } = await chain.evaluate<{ history: { txId: string; item: { status: string; holder: string } }[] }>(
    'customs-admin',
    'query:GetItemHistory',
    { id: items[0]! },
  );
  t.same(
    history.map((h) => [h.txId, h.item.status]),
    [
      [entered.transactionId, 'IN_STOCK'],
      [shipped.transactionId, 'IN_TRANSIT'],
    ],
    "entered, then shipped, in the sessions' transactions",
  );
  t.ok(
    history.every((h) => h.item.holder === id),
    'held by the enterprise throughout',
  );

  // A finished session cannot be signed again; the session is the enterprise's alone.
  const again = await stack.app.inject({
    method: 'POST',
    url: `/v1/signing-sessions/${entered.id}/signatures`,
    headers: bearer(key),
    payload: { signature: signWithCli(keyFile, Buffer.alloc(32).toString('base64')) },
  });
  t.equal(again.statusCode, 409);
  t.equal(again.json().code, 'SIGNING_SESSION_FINISHED');
  const otherKey = (
    await stack.app.inject({
      method: 'POST',
      url: `/v1/enterprises/${receiverId}/keys`,
      headers: bearer(stack.customsKey),
      payload: { role: 'enterprise', label: 'erp' },
    })
  ).json().key as string;
  const foreign = await stack.app.inject({
    method: 'GET',
    url: `/v1/signing-sessions/${entered.id}`,
    headers: bearer(otherKey),
  });
  t.equal(foreign.statusCode, 404, 'another enterprise does not see it');
  const asCustoms = await stack.app.inject({
    method: 'GET',
    url: `/v1/signing-sessions/${entered.id}`,
    headers: bearer(stack.customsKey),
  });
  t.match(asCustoms.json(), { state: 'committed', transactionId: entered.transactionId });
});

t.test(
  'a wrong signature on either digest is refused with SIGNATURE_INVALID, and the session waits for the right one',
  async (t) => {
    const id = usccFor(700_003);
    const own = await newKeyAndCsr(id);
    const stranger = await newKeyAndCsr(id); // same name, another key
    const registered = await stack.app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: bearer(stack.customsKey),
      payload: { id, name: 'Careful', roles: ['enterprise'], mspId: 'EnterpriseMSP', csr: own.csrPem },
    });
    t.equal(registered.statusCode, 201, registered.body);
    const key = (
      await stack.app.inject({
        method: 'POST',
        url: `/v1/enterprises/${id}/keys`,
        headers: bearer(stack.customsKey),
        payload: { role: 'enterprise', label: 'erp' },
      })
    ).json().key as string;
    const sign = (pem: string, digest: string) =>
      Buffer.from(signDigest(pem, Buffer.from(digest, 'base64'))).toString('base64');
    const post = (url: string, signature: string) =>
      stack.app.inject({ method: 'POST', url, headers: bearer(key), payload: { signature } });

    const started = (
      await stack.app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: bearer(key),
        payload: {
          declarationNo: 'BYOK-D-2',
          location: gln(1),
          regime: 'BONDED',
          product: { gtin: WINE.gtin, hsCode: '220421', category: 'ALCOHOL' },
          unitValueFen: 9_000,
          items: [WINE.sgtin('careful-1')],
        },
      })
    ).json() as Session;
    const byStranger = await post(started.next, sign(stranger.privateKeyPem, started.sign!.digest));
    t.equal(byStranger.statusCode, 422);
    t.match(byStranger.json(), { code: 'SIGNATURE_INVALID', what: 'proposal' });
    const otherDigest = await post(started.next, sign(own.privateKeyPem, Buffer.alloc(32, 7).toString('base64')));
    t.match(otherDigest.json(), { code: 'SIGNATURE_INVALID', what: 'proposal' });
    const endorsed = (await post(started.next, sign(own.privateKeyPem, started.sign!.digest))).json() as Session;
    t.equal(endorsed.state, 'endorsed', 'the right signature still goes through');
    const badTx = await post(endorsed.next, sign(stranger.privateKeyPem, endorsed.sign!.digest));
    t.equal(badTx.statusCode, 422);
    t.match(badTx.json(), { code: 'SIGNATURE_INVALID', what: 'transaction' });
    const committed = (await post(endorsed.next, sign(own.privateKeyPem, endorsed.sign!.digest))).json() as Session;
    t.equal(committed.state, 'committed');
  },
);

t.test(
  'a capture from an enterprise that keeps its key: one signing session per transaction, wave by wave',
  async (t) => {
    const id = usccFor(700_004);
    const receiverId = usccFor(700_005);
    const own = await newKeyAndCsr(id);
    for (const [who, csr] of [
      [id, own.csrPem],
      [receiverId, undefined],
    ] as const) {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/v1/enterprises',
        headers: bearer(stack.customsKey),
        payload: { id: who, name: who, roles: ['enterprise'], mspId: 'EnterpriseMSP', ...(csr ? { csr } : {}) },
      });
      t.equal(res.statusCode, 201, res.body);
    }
    const key = (
      await stack.app.inject({
        method: 'POST',
        url: `/v1/enterprises/${id}/keys`,
        headers: bearer(stack.customsKey),
        payload: { role: 'enterprise', label: 'erp' },
      })
    ).json().key as string;
    // The capture worker, as the server runs it (with signing sessions for senders that keep their keys).
    stack.app.jobQueue.process<CaptureJob>(
      CAPTURE_QUEUE,
      newCaptureJobHandler({
        captures: stack.app.repositories.captures,
        ledgers: stack.ledgers,
        externalSigning: stack.app.ports.externalSigning!,
      }),
      { concurrency: 1 },
    );

    const items = [WINE.sgtin('cap-1'), WINE.sgtin('cap-2')];
    const doc = epcisDocument([
      entryEvent({
        items,
        declarationNo: 'BYOK-C-1',
        location: 1,
        hsCode: '220421',
        category: 'ALCOHOL',
        unitValueFen: 15_000,
      }),
      shippingEvent({ items, shipmentId: 'BYOK-CS-1', toEnterprise: receiverId, toLocation: 2 }),
    ]);
    const accepted = await stack.app.inject({ method: 'POST', url: '/v1/capture', headers: bearer(key), payload: doc });
    t.equal(accepted.statusCode, 202, accepted.body);
    const location = accepted.headers.location as string;
    const sign = (digest: string) =>
      Buffer.from(signDigest(own.privateKeyPem, Buffer.from(digest, 'base64'))).toString('base64');

    // Two waves (the shipment moves the entered items): each transaction waits for the sender's two signatures.
    const signed: string[] = [];
    for (const fn of ['goods:Enter', 'goods:Ship']) {
      const waiting = await waitFor(
        `a signing session for ${fn}`,
        async () => {
          const status = (await stack.app.inject({ method: 'GET', url: location, headers: bearer(key) })).json() as {
            state: string;
            waiting?: { reason: string };
            transactions: { fn: string; signingSession?: string }[];
          };
          if (status.state === 'parked') throw new Error(`parked: ${JSON.stringify(status)}`);
          const tx = status.transactions.find((x) => x.fn === fn && x.signingSession !== undefined);
          // The job opens the session, then records the wait: both are seen once the run has ended.
          return tx && status.waiting !== undefined ? { status, session: tx.signingSession! } : undefined;
        },
        200,
        100,
      );
      t.match(
        waiting.status.waiting?.reason ?? '',
        /signatures/,
        "the capture says it waits for the sender's signatures",
      );
      const session = (
        await stack.app.inject({ method: 'GET', url: waiting.session, headers: bearer(key) })
      ).json() as Session;
      const endorsed = (
        await stack.app.inject({
          method: 'POST',
          url: session.next,
          headers: bearer(key),
          payload: { signature: sign(session.sign!.digest) },
        })
      ).json() as Session;
      const committed = (
        await stack.app.inject({
          method: 'POST',
          url: endorsed.next,
          headers: bearer(key),
          payload: { signature: sign(endorsed.sign!.digest) },
        })
      ).json() as Session;
      t.match(committed, { state: 'committed', fn });
      signed.push(committed.transactionId);
    }
    const done = await waitFor(
      'the capture to be done',
      async () => {
        const status = (await stack.app.inject({ method: 'GET', url: location, headers: bearer(key) })).json() as {
          state: string;
          outcome: string;
          transactions: { txId: string | null }[];
        };
        return status.state === 'done' ? status : undefined;
      },
      200,
      100,
    );
    t.equal(done.outcome, 'committed');
    t.same(
      done.transactions.map((x) => x.txId),
      signed,
      'each transaction is the one the sender signed',
    );
  },
);
