// Proves the durable spool keeps every appended batch until it is acknowledged, gives each batch the same id across restarts, cuts a torn tail left by a crash and refuses real damage, and compacts acknowledged segments without losing what a session already counted.
// How: a real spool in a temp directory, reopened as a restarted agent would, with its files cut, zero-filled and corrupted by hand.
import t from 'tap';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool } from '../../scanner-agent/src/outbox/spool';
import { crc32 } from '../../scanner-agent/src/outbox/crc32';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'spool-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const SEGMENT = 'outbox-0000000001.log';
const batch = (n: number, stocktakeId = 'st-1'): { stocktakeId: string; deviceId: string; reads: string[] } => ({
  stocktakeId,
  deviceId: 'dev-1',
  reads: Array.from({ length: n }, (_, i) => `urn:epc:id:sgtin:0614141.812345.${i + 1}`),
});

t.test('crc32 is the IEEE polynomial', async (t) => {
  t.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

t.test('append, read back, acknowledge in order; batch ids come from positions and survive a reopen', async (t) => {
  const dir = tempDir(t);
  const spool = Spool.open(dir);
  const a = spool.append(batch(2));
  const b = spool.append(batch(3));
  const idA = spool.batchId(a);
  t.match(idA, /^[0-9a-f]{16}-1-0$/);
  t.equal(spool.batchId(b), `${spool.spoolId}-1-${a.bytes}`);
  t.same(spool.read(b).reads, batch(3).reads);
  t.equal(spool.pending(), 2);
  t.throws(() => spool.ack(b), /ack out of order/, 'acknowledgements follow the spool order');
  spool.ack(a);
  spool.close();

  const again = Spool.open(dir);
  t.equal(again.spoolId, spool.spoolId, 'same spool id after a restart');
  const next = again.nextUnacked();
  t.ok(next);
  t.equal(next && again.batchId(next), spool.batchId(b), 'the unacknowledged batch keeps its id');
  t.equal(again.pending(), 1);
  again.close();
});

t.test('a live agent holds the lock; a lock left by a dead process is taken over', async (t) => {
  const dir = tempDir(t);
  const spool = Spool.open(dir);
  t.throws(() => Spool.open(dir), { code: 'SPOOL_LOCKED' }, 'not twice, not even from the same process');
  spool.close();
  writeFileSync(join(dir, 'lock'), '999999999'); // no such process
  const taken = Spool.open(dir);
  t.equal(readFileSync(join(dir, 'lock'), 'utf8'), String(process.pid));
  taken.close();
  t.notOk(existsSync(join(dir, 'lock')), 'a clean close removes the lock');
});

t.test('another live process holding the lock is refused with SPOOL_LOCKED', async (t) => {
  const dir = tempDir(t);
  Spool.open(dir).close();
  writeFileSync(join(dir, 'lock'), String(process.ppid)); // our parent is alive
  t.throws(() => Spool.open(dir), { code: 'SPOOL_LOCKED' });
});

t.test(
  'torn tails are cut: a partial header, a partial record, a last record failing its CRC, a zero-filled end',
  async (t) => {
    const cases: [string, (path: string, goodBytes: number) => void][] = [
      ['partial header', (p) => appendFileSync(p, Buffer.from([0x10, 0x00, 0x00]))],
      [
        'partial record',
        (p, good) => {
          const whole = readFileSync(p);
          appendFileSync(p, whole.subarray(0, good).subarray(0, 20));
        },
      ],
      [
        'last record with a bad CRC',
        (p) => {
          const payload = Buffer.from(JSON.stringify({ v: 1, stocktakeId: 'st-1', deviceId: 'd', reads: [] }));
          const header = Buffer.alloc(8);
          header.writeUInt32LE(payload.length, 0);
          header.writeUInt32LE((crc32(payload) ^ 1) >>> 0, 4);
          appendFileSync(p, Buffer.concat([header, payload]));
        },
      ],
      ['zero-filled end', (p) => appendFileSync(p, Buffer.alloc(4096))],
    ];
    for (const [name, damage] of cases) {
      const dir = tempDir(t);
      const spool = Spool.open(dir);
      const first = spool.append(batch(2));
      spool.close();
      const path = join(dir, SEGMENT);
      damage(path, first.bytes);
      const reopened = Spool.open(dir);
      t.ok(reopened.tornBytesDropped > 0, `${name}: torn bytes dropped`);
      t.equal(statSync(path).size, first.bytes, `${name}: file cut back to the last whole record`);
      t.equal(reopened.pending(), 1, `${name}: the whole record is still there`);
      const next = reopened.append(batch(1));
      t.equal(next.offset, first.bytes, `${name}: appends continue right after it`);
      reopened.close();
    }
  },
);

t.test('damage that is not a torn tail refuses to open (SPOOL_CORRUPT), rather than guessing', async (t) => {
  const dir = tempDir(t);
  const spool = Spool.open(dir);
  spool.append(batch(2));
  spool.append(batch(2));
  spool.close();
  const path = join(dir, SEGMENT);
  const data = readFileSync(path);
  data[20] = (data[20] ?? 0) ^ 0xff; // inside the first record, with a second one after it
  writeFileSync(path, data);
  t.throws(() => Spool.open(dir), { code: 'SPOOL_CORRUPT' });
  t.notOk(existsSync(join(dir, 'lock')), 'a refused open does not leave the lock behind');

  const dir2 = tempDir(t);
  const s2 = Spool.open(dir2);
  s2.append(batch(1));
  s2.close();
  writeFileSync(join(dir2, 'ack.json'), JSON.stringify({ segment: 1, offset: 3 }));
  t.throws(() => Spool.open(dir2), { code: 'SPOOL_CORRUPT' }, 'an ack that is not a record boundary');
});

t.test(
  'segments roll, fully acknowledged ones are deleted, and what they held stays counted for the session',
  async (t) => {
    const dir = tempDir(t);
    const spool = Spool.open(dir, { segmentBytesMax: 300 });
    const refs = [
      spool.append(batch(5)),
      spool.append(batch(5)),
      spool.append(batch(5, 'st-2')),
      spool.append(batch(5)),
    ];
    t.ok(readdirSync(dir).filter((f) => f.startsWith('outbox-')).length >= 3, 'rolled into several segments');
    for (const r of refs.slice(0, 3)) spool.ack(r);
    const segmentsLeft = readdirSync(dir).filter((f) => f.startsWith('outbox-'));
    t.notOk(segmentsLeft.includes(SEGMENT), 'the first, fully acknowledged segment is gone');
    t.same(
      new Set(spool.uploadsOf('st-1')),
      new Set(batch(5).reads),
      'st-1 items: from the seen file and the segment still held',
    );
    t.same(spool.uploadsOf('st-2'), batch(5).reads);
    spool.close();

    const again = Spool.open(dir, { segmentBytesMax: 300 });
    t.equal(again.pending(), 1);
    t.same(new Set(again.uploadsOf('st-1')), new Set(batch(5).reads), 'and after a restart');
    again.forgetSession('st-1');
    again.ack(again.nextUnacked()!);
    t.equal(again.pending(), 0);
    again.close();
  },
);

t.test(
  'an interrupted compaction (segment copied to the seen file, not yet deleted) is finished on open',
  async (t) => {
    const dir = tempDir(t);
    const spool = Spool.open(dir, { segmentBytesMax: 300 });
    const a = spool.append(batch(5));
    spool.append(batch(5));
    const first = readFileSync(join(dir, SEGMENT));
    spool.ack(a); // compacts segment 1
    spool.close();
    writeFileSync(join(dir, SEGMENT), first); // as if the delete had not happened
    const again = Spool.open(dir, { segmentBytesMax: 300 });
    t.notOk(existsSync(join(dir, SEGMENT)), 'the leftover segment is compacted');
    t.equal(again.pending(), 1);
    t.same(new Set(again.uploadsOf('st-1')), new Set(batch(5).reads));
    again.close();
  },
);

t.test('a batch the gateway refused for good moves to rejected.jsonl and stops blocking the queue', async (t) => {
  const dir = tempDir(t);
  const spool = Spool.open(dir);
  const a = spool.append(batch(1));
  const b = spool.append(batch(2));
  spool.reject(a, { code: 'STOCKTAKE_CLOSED', status: 409 });
  t.equal(spool.nextUnacked()?.offset, b.offset);
  const rejected = JSON.parse(readFileSync(join(dir, 'rejected.jsonl'), 'utf8').trim()) as {
    batchId: string;
    problem: { code: string };
    batch: { reads: string[] };
  };
  t.equal(rejected.batchId, spool.batchId(a));
  t.equal(rejected.problem.code, 'STOCKTAKE_CLOSED');
  t.same(rejected.batch.reads, batch(1).reads);
  spool.close();
});

t.test('the spool is bounded: past its limit an append fails with SPOOL_FULL', async (t) => {
  const dir = tempDir(t);
  const spool = Spool.open(dir, { spoolBytesMax: 1000 });
  spool.append(batch(5));
  t.throws(
    () => {
      for (let i = 0; i < 10; i++) spool.append(batch(5));
    },
    { code: 'SPOOL_FULL' },
  );
  spool.close();
});

t.test('a truncated ack file is refused, an out-of-range one too', async (t) => {
  const dir = tempDir(t);
  Spool.open(dir).close();
  writeFileSync(join(dir, 'ack.json'), '{"segment":0,"offset":-1}');
  t.throws(() => Spool.open(dir), { code: 'SPOOL_CORRUPT' });
  truncateSync(join(dir, 'ack.json'), 0);
  t.throws(() => Spool.open(dir));
});
