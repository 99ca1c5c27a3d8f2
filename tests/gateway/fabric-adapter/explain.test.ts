// Proves the sentences for ledger failures only an administrator can fix name the identity, the MSP and what to change:
// an MSP the channel lacks, a refused certificate, a non-reader, an unknown channel, an unknown chaincode; every other
// failure is left as it is. The peer's own error stays the cause (for the logs).
// How: explainLedgerError on LedgerErrors as the adapter maps the peer's texts, with a real dev CA certificate.
import t from 'tap';
import { GatewayError } from '@hyperledger/fabric-gateway';
import { Metadata } from '@grpc/grpc-js';
import { LedgerError, explainLedgerError, identityName, toLedgerError } from '../../../gateway/src/adapters/fabric';
import { createOrgCa, issueIdentity } from '../../../devnet/src/crypto/dev-ca';

const context = { mspId: 'EnterpriseMSP', channel: 'mychannel', chaincode: 'traceability' };

function peerError(code: number, message: string, detail?: string): LedgerError {
  const cause = Object.assign(new Error(message), { code, details: message, metadata: new Metadata() });
  const details = detail === undefined ? [] : [{ address: '127.0.0.1:7051', mspId: 'CustomsMSP', message: detail }];
  return toLedgerError(new GatewayError({ code, details, cause, message: `${code} ${message}` }));
}

t.test('identity refusals: which MSP, which identity, what to change', async (t) => {
  const unknown = explainLedgerError(
    peerError(
      9,
      'evaluate call to endorser returned error: error validating proposal: access denied: channel [mychannel] creator org unknown, creator is malformed',
    ),
    context,
  );
  t.equal(unknown.code, 'IDENTITY_REFUSED');
  t.equal(unknown.identityRefusal, 'msp-unknown');
  t.ok(unknown.explained);
  t.match(
    unknown.message,
    /^the channel mychannel does not know MSP EnterpriseMSP \(identity \(certificate of EnterpriseMSP\)\): add it to Application\.Organizations of the channel/,
  );
  t.match((unknown.cause as Error).message, /creator org unknown/, 'the peer text stays the cause');

  const revoked = explainLedgerError(
    peerError(
      9,
      'evaluate call to endorser returned error: error validating proposal: access denied: channel [mychannel] creator org [EnterpriseMSP]',
    ),
    context,
  );
  t.equal(revoked.identityRefusal, 'signature-refused');
  t.match(
    revoked.message,
    /^the peer refused identity .* of MSP EnterpriseMSP: its certificate is revoked or expired, or its private key does not match it$/,
  );

  const notReader = explainLedgerError(
    peerError(
      7,
      'Failed evaluating policy on signed data during check policy on channel [mychannel] with policy [/Channel/Application/Readers]: [implicit policy evaluation failed]',
    ),
    context,
  );
  t.equal(notReader.identityRefusal, 'not-reader');
  t.match(
    notReader.message,
    /is not a reader of channel mychannel: the channel's Readers policy must include EnterpriseMSP/,
  );
});

t.test('settings naming an unknown channel or chaincode', async (t) => {
  const channel = explainLedgerError(
    peerError(14, 'failed to get config for channel [nochannel]: could not get last config for channel nochannel'),
    { ...context, channel: 'nochannel' },
  );
  t.equal(channel.code, 'LEDGER_MISCONFIGURED');
  t.equal(
    channel.message,
    "the peer does not know channel nochannel: correct the channel in the gateway's ledger settings (connection profile)",
  );
  const chaincode = explainLedgerError(
    peerError(
      9,
      'no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode nocc in channel mychannel',
    ),
    { ...context, chaincode: 'nocc' },
  );
  t.match(chaincode.message, /^the peer knows no chaincode nocc on channel mychannel: correct the chaincode/);
});

t.test('other failures are left alone; the identity is named by its certificate CN', async (t) => {
  const conflict = new LedgerError({ code: 'LEDGER_CONFLICT', kind: 'conflict', retryable: true, message: 'x' });
  t.equal(explainLedgerError(conflict, context), conflict);
  const ca = await createOrgCa('enterprise.devnet');
  const user = await issueIdentity(ca, { commonName: 'importer1@enterprise.devnet', ou: 'client' });
  t.equal(identityName({ mspId: 'EnterpriseMSP', certificate: user.certPem }), 'importer1@enterprise.devnet');
  t.equal(
    identityName({ mspId: 'EnterpriseMSP', certificate: 'not a certificate' }),
    '(certificate of EnterpriseMSP)',
    'an unreadable certificate still gives a name',
  );
});
