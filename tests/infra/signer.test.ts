// Proves the bring-your-own-key signing command (packages/signer, `hainan-sign`): a digest signed with the
// enterprise's key gives byte for byte the signature of the official Fabric client's private-key signer (the same
// ECDSA P-256, RFC 6979, low-S DER), verifiable against the enterprise's public key; bad keys and digests are refused
// with their codes, by the library and by the command.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signers } from '@hyperledger/fabric-gateway';
import { SigningError, signDigest } from '../../packages/signer/src/index';

const CLI = join(__dirname, '..', '..', 'packages', 'signer', 'dist', 'cli.js');
const P256_HALF_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551') >> 1n;

function sOf(der: Uint8Array): bigint {
  const b = Buffer.from(der);
  const rLen = b[3]!;
  const sLen = b[5 + rLen]!;
  return BigInt(`0x${b.subarray(6 + rLen, 6 + rLen + sLen).toString('hex')}`);
}

t.test("the same signature as the official client's signer, low-S, verifiable with the public key", async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const official = signers.newPrivateKeySigner(privateKey);
  for (let i = 0; i < 50; i++) {
    const message = Buffer.from(`proposal ${i}`);
    const digest = createHash('sha256').update(message).digest();
    const ours = signDigest(privateKey, digest);
    t.same(Buffer.from(ours), Buffer.from(await official(digest)), `digest ${i}: byte for byte the official signer's`);
    t.ok(verify('sha256', message, publicKey, ours), 'verifies as ECDSA-SHA256 over the message');
    t.ok(sOf(ours) <= P256_HALF_N, 'low S');
  }
});

t.test('keys and digests it cannot use are refused with a code', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
      return 'signed';
    } catch (err) {
      return err instanceof SigningError ? err.code : String(err);
    }
  };
  t.equal(
    codeOf(() => signDigest(rsa, Buffer.alloc(32))),
    'KEY_NOT_P256',
  );
  t.equal(
    codeOf(() => signDigest(p384, Buffer.alloc(32))),
    'KEY_NOT_P256',
  );
  t.equal(
    codeOf(() => signDigest('not a key', Buffer.alloc(32))),
    'KEY_UNREADABLE',
  );
  t.equal(
    codeOf(() => signDigest(p256, Buffer.alloc(31))),
    'DIGEST_INVALID',
  );
});

t.test(
  'the command: digest as an argument or on stdin, signature on stdout; bad input exits 2 with the code',
  async (t) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const dir = mkdtempSync(join(tmpdir(), 'hainan-sign-'));
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const message = Buffer.from('an endorsed transaction');
    const digest = createHash('sha256').update(message).digest().toString('base64');
    const byArg = execFileSync(process.execPath, [CLI, '--key', keyFile, digest], { encoding: 'utf8' }).trim();
    const byStdin = execFileSync(process.execPath, [CLI, '--key', keyFile], {
      input: `${digest}\n`,
      encoding: 'utf8',
    }).trim();
    t.equal(byArg, byStdin, 'the same signature either way');
    t.ok(verify('sha256', message, publicKey, Buffer.from(byArg, 'base64')), 'the signature verifies');
    const bad = spawnSync(process.execPath, [CLI, '--key', keyFile, 'AAAA'], { encoding: 'utf8' });
    t.equal(bad.status, 2);
    t.match(bad.stderr, /DIGEST_INVALID/);
    const noKey = spawnSync(process.execPath, [CLI, '--key', join(dir, 'missing.pem'), digest], { encoding: 'utf8' });
    t.equal(noKey.status, 2);
    t.match(noKey.stderr, /KEY_UNREADABLE/);
  },
);
