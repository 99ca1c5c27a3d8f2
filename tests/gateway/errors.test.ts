// Proves ledger and dependency failures map to the documented statuses with a stable code (409/403/404/422 by chaincode code, 503 + Retry-After for conflicts and outages).
// How: problemFromLedgerError() and toProblem() on LedgerErrors built as the Fabric adapter builds them, and on driver-shaped errors.
import t from 'tap';
import { LedgerError, type LedgerErrorKind } from '../../gateway/src/adapters/fabric';
import { ErrorCodes } from '../../gateway/src/errors';
import { problemFromLedgerError } from '../../gateway/src/ledger-error';
import { toProblem } from '../../gateway/src/plugins/problem-details';

function ledgerError(code: string, kind: LedgerErrorKind, retryable = false): LedgerError {
  return new LedgerError({ code, kind, retryable, message: `${code} happened`, transactionId: 'tx1' });
}

t.test('chaincode codes keep their code and get their status', async (t) => {
  const cases: [string, number][] = [
    ['INVALID_TRANSITION', 409],
    ['ALREADY_EXISTS', 409],
    ['ACCESS_DENIED', 403],
    ['NOT_FOUND', 404],
    ['INVALID_ARGUMENT', 422],
    ['PURCHASE_LIMIT_EXCEEDED', 422],
    ['PERIOD_CLOSED', 422],
  ];
  for (const [code, status] of cases) {
    const problem = problemFromLedgerError(ledgerError(code, 'chaincode'));
    t.equal(problem.statusCode, status, code);
    t.equal(problem.code, code);
    t.equal(problem.message, `${code} happened`, 'the chaincode text is the detail');
    t.same(problem.extensions, { transactionId: 'tx1' });
  }
  t.equal(
    problemFromLedgerError(ledgerError('CHAINCODE_ERROR', 'chaincode')).statusCode,
    500,
    'an uncoded chaincode failure is a bug',
  );
});

t.test('conflicts and outages that outlived the retries are 503 with Retry-After', async (t) => {
  for (const [code, kind] of [
    ['LEDGER_CONFLICT', 'conflict'],
    ['LEDGER_UNAVAILABLE', 'transient'],
  ] as const) {
    const problem = problemFromLedgerError(ledgerError(code, kind, true));
    t.equal(problem.statusCode, 503, code);
    t.equal(problem.code, code);
    t.ok(Number(problem.headers['retry-after']) > 0);
  }
  t.equal(problemFromLedgerError(ledgerError('LEDGER_OUTCOME_UNKNOWN', 'outcome-unknown')).statusCode, 504);
  t.equal(
    problemFromLedgerError(ledgerError('IDENTITY_REFUSED', 'identity')).statusCode,
    503,
    'the channel refusing our identity: an administrator must act',
  );
  t.equal(problemFromLedgerError(ledgerError('LEDGER_FAILURE', 'ledger')).statusCode, 502);
});

t.test(
  'an identity the channel refuses and unknown ledger settings are 503 with the sentence naming what to fix',
  async (t) => {
    const sentence =
      'the channel mychannel does not know MSP EnterpriseMSP (identity enterprise-admin): add it to Application.Organizations of the channel';
    const refused = problemFromLedgerError(
      new LedgerError({
        code: 'IDENTITY_REFUSED',
        kind: 'identity',
        retryable: false,
        message: sentence,
        explained: true,
        identityRefusal: 'msp-unknown',
      }),
    );
    t.equal(refused.statusCode, 503);
    t.equal(refused.code, 'IDENTITY_REFUSED');
    t.equal(refused.message, sentence);
    t.ok(refused.expose, 'the sentence is shown, never "Internal server error"');
    const misconfigured = problemFromLedgerError(ledgerError('LEDGER_MISCONFIGURED', 'ledger'));
    t.equal(misconfigured.statusCode, 503);
    t.equal(misconfigured.code, 'LEDGER_MISCONFIGURED');
    t.ok(misconfigured.expose);
    t.notMatch(
      misconfigured.message,
      /LEDGER_MISCONFIGURED happened/,
      'an unexplained peer text is not shown; a fixed sentence is',
    );
  },
);

t.test('toProblem: validation, framework 4xx and unknown errors', async (t) => {
  const validation = toProblem(
    Object.assign(new Error('body/id must match format "uscc"'), {
      validation: [
        { instancePath: '/id', keyword: 'format', message: 'must match format "uscc"', params: { format: 'uscc' } },
      ],
      validationContext: 'body',
    }),
  );
  t.equal(validation.code, 'VALIDATION_FAILED');
  t.equal(validation.statusCode, ErrorCodes.VALIDATION_FAILED.status);
  t.same(validation.extensions.errors, [
    {
      in: 'body',
      instancePath: '/id',
      keyword: 'format',
      message: 'must match format "uscc"',
      params: { format: 'uscc' },
    },
  ]);
  t.equal(toProblem(Object.assign(new Error('too big'), { statusCode: 413 })).code, 'PAYLOAD_TOO_LARGE');
  t.equal(toProblem(Object.assign(new Error('bad type'), { statusCode: 415 })).code, 'UNSUPPORTED_MEDIA_TYPE');
  const internal = toProblem(new TypeError('x is undefined'));
  t.equal(internal.code, 'INTERNAL');
  t.equal(internal.statusCode, 500);
});

t.test('an unreachable database or Redis is 503 UNAVAILABLE with Retry-After, not a 500', async (t) => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  for (const error of [
    refused,
    shutdown,
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
  ]) {
    const problem = toProblem(error);
    t.equal(problem.code, 'UNAVAILABLE', error.message);
    t.equal(problem.statusCode, 503);
    t.ok(Number(problem.headers['retry-after']) > 0);
  }
  t.equal(
    toProblem(Object.assign(new Error('syntax error'), { code: '42601' })).code,
    'INTERNAL',
    'a bad query is a bug',
  );
});
