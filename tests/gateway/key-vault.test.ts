// Proves the key vault seals identity keys with AES-256-GCM bound to the identity id (a ciphertext moved to another identity, or altered, does not open), names the KEK in each ciphertext so a rotated-out KEK still opens old keys while new ones use the current KEK, derives stable per-label secrets, parses KEKs in hex and base64 only, and that the embedded default's KEK file is made once with mode 0600; plus the bounded LRU of connected identities.
// How: node:crypto round trips on random keys; a temporary directory for the file.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KeyVaultError,
  kekId,
  newKeyVault,
  parseKekList,
  readOrCreateKekFile,
} from '../../gateway/src/identity/key-vault';
import { LruMap } from '../../gateway/src/identity/lru';

const PEM = Buffer.from(
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n',
);

t.test('seal and open, bound to the identity id', async (t) => {
  const vault = newKeyVault([randomBytes(32)]);
  const sealed = vault.seal(PEM, 'identity-1');
  t.equal(sealed.keyId, vault.currentKeyId);
  t.notOk(sealed.ciphertext.includes(PEM.subarray(28, 60)), 'no plaintext in the ciphertext');
  t.same(vault.open(sealed, 'identity-1'), PEM);
  t.throws(() => vault.open(sealed, 'identity-2'), KeyVaultError, 'another identity id does not authenticate');
  const tampered = Buffer.from(sealed.ciphertext);
  tampered[20] = (tampered[20] ?? 0) ^ 1;
  t.throws(
    () => vault.open({ keyId: sealed.keyId, ciphertext: tampered }, 'identity-1'),
    KeyVaultError,
    'an altered ciphertext does not authenticate',
  );
  t.not(
    vault.seal(PEM, 'identity-1').ciphertext.toString('hex'),
    sealed.ciphertext.toString('hex'),
    'a fresh nonce each time',
  );
});

t.test('rotation: the old KEK still opens, the new one seals; an unknown KEK is named, never shown', async (t) => {
  const oldKek = randomBytes(32);
  const newKek = randomBytes(32);
  const before = newKeyVault([oldKek]).seal(PEM, 'id');
  const rotated = newKeyVault([newKek, oldKek]);
  t.same(rotated.open(before, 'id'), PEM);
  t.equal(rotated.seal(PEM, 'id').keyId, kekId(newKek));
  const err = (() => {
    try {
      newKeyVault([newKek]).open(before, 'id');
    } catch (e) {
      return e as Error;
    }
    return undefined;
  })();
  t.ok(err instanceof KeyVaultError);
  t.match(err?.message, kekId(oldKek));
  t.notMatch(err?.message, oldKek.toString('hex'));
  t.equal(rotated.deriveSecret('x'), rotated.deriveSecret('x'), 'derived secrets are stable');
  t.equal(rotated.deriveSecret('x', 1), newKeyVault([oldKek]).deriveSecret('x'), 'generation 1 is the older KEK');
  t.equal(rotated.deriveSecret('x', 2), undefined);
});

t.test('KEK parsing and the embedded KEK file', async (t) => {
  const kek = randomBytes(32);
  t.same(parseKekList(kek.toString('hex')).keks, [kek]);
  t.same(parseKekList(`${kek.toString('base64')}, ${kek.toString('base64url')}`).keks, [kek, kek]);
  t.match(parseKekList('short').problems, [/32 bytes/]);
  t.notMatch(parseKekList('not-a-key-at-all').problems.join(), 'not-a-key', 'a bad value is not echoed');
  const dir = await mkdtemp(join(tmpdir(), 'kek-'));
  const first = await readOrCreateKekFile(join(dir, 'identity-kek'));
  t.equal((await stat(join(dir, 'identity-kek'))).mode & 0o777, 0o600);
  t.equal(await readOrCreateKekFile(join(dir, 'identity-kek')), first, 'made once, then read');
  t.equal(parseKekList(first).keks.length, 1);
});

t.test('LRU: bounded, least recently used goes first', async (t) => {
  const evicted: string[] = [];
  const lru = new LruMap<string, number>(2, (key) => evicted.push(key));
  lru.set('a', 1);
  lru.set('b', 2);
  lru.get('a');
  lru.set('c', 3);
  t.same(evicted, ['b']);
  t.equal(lru.size, 2);
  t.equal(lru.get('a'), 1);
  t.throws(() => new LruMap(0));
});
