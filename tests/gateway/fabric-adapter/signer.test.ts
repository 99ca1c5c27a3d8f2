// Proves the node:crypto signer makes signatures Fabric accepts: they verify as SHA-256/ECDSA P-256 over the message, are DER, and are always low-S.
// How: sign with a fresh P-256 key, verify with crypto.verify, parse the DER of 2,000 signatures, and normalise a hand-made high-S signature.
import t from 'tap';
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import {
  encodeDerSignature,
  isLowSSignature,
  newNodeCryptoSigner,
  normaliseLowS,
  parseDerSignature,
} from '../../../gateway/src/adapters/fabric/signer';

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER = P256_ORDER >> 1n;
const SIGNATURE_COUNT = 2_000;

function newTestKey(): { privateKeyPem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function toBytes(value: bigint): Uint8Array {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}

/** Independent strict DER reader: SEQUENCE { INTEGER r, INTEGER s }, short-form lengths, minimal positive INTEGERs. */
function strictDerScalars(der: Uint8Array): { r: bigint; s: bigint } {
  const bytes = Buffer.from(der);
  if (bytes[0] !== 0x30 || bytes[1] !== bytes.length - 2) throw new Error('bad SEQUENCE');
  let offset = 2;
  const scalars: bigint[] = [];
  for (let index = 0; index < 2; index++) {
    if (bytes[offset] !== 0x02) throw new Error('bad INTEGER tag');
    const length = bytes[offset + 1] ?? 0;
    const value = bytes.subarray(offset + 2, offset + 2 + length);
    if (value.length !== length || length === 0) throw new Error('bad INTEGER length');
    if ((value[0] ?? 0) & 0x80) throw new Error('negative INTEGER');
    if (length > 1 && value[0] === 0 && ((value[1] ?? 0) & 0x80) === 0) throw new Error('non-minimal INTEGER');
    scalars.push(toBigInt(value));
    offset += 2 + length;
  }
  if (offset !== bytes.length) throw new Error('trailing bytes');
  return { r: scalars[0] ?? 0n, s: scalars[1] ?? 0n };
}

t.test('signatures verify with crypto.verify(sha256) over the full message', async (t) => {
  const { privateKeyPem, publicKey } = newTestKey();
  const signer = newNodeCryptoSigner(privateKeyPem);
  const message = randomBytes(3_000);

  const signature = await signer(message);

  t.ok(verify('sha256', message, publicKey, signature), 'verifies over the message');
  t.notOk(verify('sha256', randomBytes(3_000), publicKey, signature), 'does not verify over another message');
});

t.test(`every one of ${SIGNATURE_COUNT} signatures is well-formed DER with s <= n/2`, async (t) => {
  const { privateKeyPem, publicKey } = newTestKey();
  const signer = newNodeCryptoSigner(privateKeyPem);
  const message = randomBytes(1_024);
  let highS = 0;
  let unverified = 0;

  for (let index = 0; index < SIGNATURE_COUNT; index++) {
    const signature = await signer(message);
    const { r, s } = strictDerScalars(signature);
    if (s > P256_HALF_ORDER || s === 0n || r === 0n) highS++;
    if (index % 100 === 0 && !verify('sha256', message, publicKey, signature)) unverified++;
  }

  t.equal(highS, 0, 'no high-S (or zero) scalar among them');
  t.equal(unverified, 0, 'sampled signatures verify');
});

t.test('a crafted high-S signature is rewritten to n - s, still verifies, and a low-S one is left alone', async (t) => {
  const { privateKeyPem, publicKey } = newTestKey();
  const signer = newNodeCryptoSigner(privateKeyPem);
  const message = Buffer.from('proposal bytes');
  const lowSignature = await signer(message);
  const { r, s } = strictDerScalars(lowSignature);
  const highSignature = encodeDerSignature(toBytes(r), toBytes(P256_ORDER - s));

  t.ok(strictDerScalars(highSignature).s > P256_HALF_ORDER, 'crafted signature is high-S');
  t.ok(verify('sha256', message, publicKey, highSignature), 'OpenSSL accepts the high-S form too');
  t.notOk(isLowSSignature(highSignature));

  const normalised = normaliseLowS(highSignature);

  t.same(strictDerScalars(normalised), { r, s }, 'r kept, s replaced by n - s');
  t.same(Buffer.from(normalised), Buffer.from(lowSignature), 'byte-identical to the low-S encoding');
  t.ok(verify('sha256', message, publicKey, normalised));
  t.equal(normaliseLowS(lowSignature), lowSignature, 'a low-S signature is returned as is');
});

t.test('DER edge cases: leading zero padding, short scalars and malformed input', async (t) => {
  // s = n - 1 (highest possible) becomes 1; r with the top bit set needs a 0x00 pad byte.
  const r = (1n << 255n) + 12345n;
  const high = encodeDerSignature(toBytes(r), toBytes(P256_ORDER - 1n));
  const parsed = parseDerSignature(high);
  t.equal(parsed.r.length, 32, 'parser strips the 0x00 pad of r');
  t.same(strictDerScalars(normaliseLowS(high)), { r, s: 1n });
  t.equal(Buffer.from(normaliseLowS(high)).length, 2 + (2 + 33) + (2 + 1), 'minimal re-encoding');

  // s exactly n/2 is low; n/2 + 1 is high.
  t.ok(isLowSSignature(encodeDerSignature(toBytes(r), toBytes(P256_HALF_ORDER))));
  t.notOk(isLowSSignature(encodeDerSignature(toBytes(r), toBytes(P256_HALF_ORDER + 1n))));

  t.throws(() => normaliseLowS(Buffer.from('30050201010201', 'hex')), /length/, 'truncated');
  t.throws(() => normaliseLowS(Buffer.from('3007020101020101ff', 'hex')), /trailing bytes/, 'trailing bytes');
  t.throws(() => normaliseLowS(Buffer.from('3106020101020101', 'hex')), /SEQUENCE/, 'not a SEQUENCE');
  t.throws(() => normaliseLowS(Buffer.from('3006020181020101', 'hex')), /negative/, 'negative r');
});

t.test('refuses keys it cannot sign for Fabric with', async (t) => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const ed25519 = generateKeyPairSync('ed25519');
  t.throws(() => newNodeCryptoSigner(p384.privateKey.export({ type: 'pkcs8', format: 'pem' })), /P-256/);
  t.throws(() => newNodeCryptoSigner(ed25519.privateKey), /P-256/);
  t.throws(() => newNodeCryptoSigner(p384.publicKey), /private key/);
});
