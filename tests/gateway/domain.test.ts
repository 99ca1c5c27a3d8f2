// Proves the gateway's pure rules: the credit code check character (GB 32100-2015), API key format and Bearer parsing, tenant access, and person codes.
// How: literal codes published for real enterprises, hand-made wrong ones, and literal documents.
import t from 'tap';
import { isValidUscc, usccCheckCharacter, usccProblem } from '../../gateway/src/domain/uscc';
import { apiKeyDigest, generateApiKey, parseBearerToken } from '../../gateway/src/domain/api-key';
import { mayAccessEnterprise, type Principal } from '../../gateway/src/domain/principal';
import { newPersonCoder } from '../../gateway/src/domain/person-code';

t.test('credit codes of real enterprises validate, including letter check characters', async (t) => {
  for (const code of ['91350100M000100Y43', '9144030071526726XG', '91330100799655058B', '914403001922038216']) {
    t.ok(isValidUscc(code), code);
  }
  t.equal(usccCheckCharacter('9144030071526726X'), 'G');
  t.equal(usccCheckCharacter('91440300192203821'), '6');
});

t.test('wrong codes say why', async (t) => {
  t.match(usccProblem('91350100M000100Y44'), /check character must be 3/);
  t.match(usccProblem('91350100M000100Y4'), /18 characters/);
  t.match(usccProblem('91350100M0001O0Y43'), /alphabet/, 'O is not in the alphabet');
  t.match(usccProblem('913501A0M000100Y43'), /alphabet/, 'the division code is 6 digits');
  t.match(usccProblem('91350100m000100y43'), /alphabet/, 'lower case is not accepted');
});

t.test('API keys are long random tokens; Bearer parsing is strict', async (t) => {
  const key = generateApiKey();
  t.match(key, /^htk_[A-Za-z0-9_-]{43}$/);
  t.not(generateApiKey(), key);
  t.equal(apiKeyDigest(key).length, 32);
  t.equal(parseBearerToken(`Bearer ${key}`), key);
  t.equal(parseBearerToken(`bearer  ${key} `), key, 'scheme is case-insensitive');
  t.equal(parseBearerToken(undefined), undefined);
  t.equal(parseBearerToken('Basic abc'), undefined);
  t.equal(parseBearerToken('Bearer '), undefined);
  t.equal(parseBearerToken(`Bearer ${'x'.repeat(300)}`), undefined, 'too long to be a key');
});

t.test('tenancy: customs sees every enterprise, an enterprise only itself', async (t) => {
  const customs: Principal = { keyId: 'k1', role: 'customs', enterpriseId: null, mspId: 'CustomsMSP' };
  const operator: Principal = {
    keyId: 'k2',
    role: 'operator',
    enterpriseId: '91350100M000100Y43',
    mspId: 'OperatorMSP',
  };
  t.ok(mayAccessEnterprise(customs, '9144030071526726XG'));
  t.ok(mayAccessEnterprise(operator, '91350100M000100Y43'));
  t.notOk(mayAccessEnterprise(operator, '9144030071526726XG'));
});

t.test('person codes: 64 hex digits, same document same code, another secret another code', async (t) => {
  const coder = newPersonCoder('secret-a-0123456789abcdef0123456789');
  const code = coder.codeFor('PASSPORT', 'E12345678');
  t.match(code, /^[0-9a-f]{64}$/);
  t.equal(coder.codeFor('PASSPORT', ' e1234 5678 '), code, 'spaces and case do not matter');
  t.not(coder.codeFor('ID_CARD', 'E12345678'), code, 'the document type is part of the code');
  t.not(newPersonCoder('secret-b-0123456789abcdef0123456789').codeFor('PASSPORT', 'E12345678'), code);
  t.throws(() => coder.codeFor('passport', 'E1'), RangeError);
  t.throws(() => coder.codeFor('PASSPORT', '   '), RangeError);
});
