// Proves the block file keeps every complete record and cuts only a torn tail (a crash mid-append), while a damaged
// record before the tail or a broken hash chain refuses to open instead of silently losing committed blocks.
// How: write records through BlockFile and the Ledger, damage the bytes on disk as a crash or bit rot would, reopen.
import t from 'tap';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockFile } from '../../devnet/src/ledger/block-file';
import { Ledger } from '../../devnet/src/ledger/ledger';
import { newConfigEnvelope } from '../../devnet/src/channel-config';
import { compareKeys } from '../../devnet/src/ledger/key-order';

const tmp = () => mkdtempSync(join(tmpdir(), 'blockfile-'));

t.test('a torn last record is dropped and the rest kept', async (t) => {
  const path = join(tmp(), 'blocks.bin');
  const { file } = await BlockFile.open(path);
  await file.append(Buffer.from('one'));
  await file.append(Buffer.from('two'));
  await file.close();
  const intact = statSync(path).size;
  appendFileSync(path, Buffer.from([0, 0, 0, 50, 1, 2, 3, 4, 9, 9])); // header promising 50 bytes, 2 written
  const reopened = await BlockFile.open(path);
  t.same(
    reopened.records.map((r) => r.toString()),
    ['one', 'two'],
  );
  t.equal(reopened.truncatedBytes, 10);
  t.equal(statSync(path).size, intact, 'the torn bytes are cut from the file');
  await reopened.file.append(Buffer.from('three'));
  await reopened.file.close();
  const again = await BlockFile.open(path);
  t.same(
    again.records.map((r) => r.toString()),
    ['one', 'two', 'three'],
    'appends continue cleanly after the cut',
  );
  await again.file.close();
});

t.test('a corrupted record before the tail refuses to open', async (t) => {
  const path = join(tmp(), 'blocks.bin');
  const { file } = await BlockFile.open(path);
  await file.append(Buffer.from('first record'));
  await file.append(Buffer.from('second record'));
  await file.close();
  const bytes = readFileSync(path);
  bytes[10] = bytes[10]! ^ 0xff; // flip a bit inside the first payload
  writeFileSync(path, bytes);
  await t.rejects(BlockFile.open(path), /corrupt at offset 0/);
});

t.test('the ledger replays its blocks and refuses a broken hash chain', async (t) => {
  const dir = tmp();
  const genesis = () => newConfigEnvelope({ channelId: 'c', applicationOrgs: [], ordererOrgs: [] }, 0);
  const ledger = await Ledger.open(dir, genesis, () => false);
  await ledger.commitBlock([Buffer.from('not an envelope')], new Map(), undefined);
  t.equal(ledger.height, 2);
  t.equal(ledger.txStatus('')?.code, undefined, 'garbage has no tx id to index');
  await ledger.close();
  const reopened = await Ledger.open(dir, genesis, () => false);
  t.equal(reopened.height, 2, 'blocks survive a reopen');
  await reopened.close();
  // Rewrite block 1 so its previous hash no longer matches block 0: tampering, not a torn write.
  const path = join(dir, 'blocks.bin');
  const bytes = readFileSync(path);
  const firstLen = bytes.readUInt32BE(0);
  const second = 8 + firstLen;
  const payload = Buffer.from(bytes.subarray(second + 8));
  const idx = payload.indexOf(Buffer.from([0x12, 0x20])); // previous_hash field (32 bytes)
  t.ok(idx > 0);
  payload[idx + 2] = payload[idx + 2]! ^ 0x01;
  const { crc32 } = require('node:zlib');
  const header = Buffer.alloc(8);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload) >>> 0, 4);
  writeFileSync(path, Buffer.concat([bytes.subarray(0, second), header, payload]));
  await t.rejects(
    Ledger.open(dir, genesis, () => false),
    /does not chain to its predecessor/,
  );
});

t.test('keys order by code point (UTF-8 byte order), as on a LevelDB peer', async (t) => {
  const keys = ['b', '\u{10FFFF}', '\uFFFF', 'a', '\u0000item\u0000', '\uE000'];
  t.same([...keys].sort(compareKeys), ['\u0000item\u0000', 'a', 'b', '\uE000', '\uFFFF', '\u{10FFFF}']);
  const bytewise = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  t.same([...keys].sort(compareKeys), bytewise);
});
