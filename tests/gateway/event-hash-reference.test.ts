// Proves the gateway's event ids are the CBV 2.0 "EPCIS Event Hash ID" as the reference implementation computes it
// (github.com/RalphTro/epcis-event-hash-generator): every event of every document of its current test suite that has
// expected hashes gets exactly that hash (Digital Link and EPC URI normalisation, time zones and rounding, CBV short
// names and old URNs, user extensions, sensor data, query documents, ignoreFields), so anyone can recompute our ids.
// How: the suite's own files from ../shared/epcis-hash-reference (or EPCIS_HASH_REFERENCE_DIR), never copied into
// the repo. The hashes are the authority: a few `.prehashes` lines of the suite are garbled or out of step with their
// documents, so a failing event prints its pre-hash string beside the suite's for debugging, and asserts nothing more.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  canonicalEventId,
  eventHashContext,
  eventPreHash,
  eventsOfDocument,
} from '../../gateway/src/capture/event-hash';

const DIR = resolve(
  process.env.EPCIS_HASH_REFERENCE_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'epcis-hash-reference'),
);
/** Events in the suite with an expected hash, as of the reference's commit 5d2f1c3 (2025-10-17). */
const SUITE_EVENTS_MIN = 43;

const lines = (path: string): string[] =>
  readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line !== '');

t.test(
  'every event of the reference suite gets the reference hash',
  { skip: existsSync(DIR) ? false : `no reference suite at ${DIR} (set EPCIS_HASH_REFERENCE_DIR)` },
  async (t) => {
    const documents = readdirSync(DIR)
      .filter((f) => f.endsWith('.jsonld') && existsSync(join(DIR, f.replace(/\.jsonld$/, '.hashes'))))
      .sort();
    let checked = 0;
    for (const file of documents) {
      const base = join(DIR, file.replace(/\.jsonld$/, ''));
      const document = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Record<string, unknown>;
      const expected = lines(`${base}.hashes`);
      const preHashes = existsSync(`${base}.prehashes`) ? lines(`${base}.prehashes`) : [];
      const context = eventHashContext(document);
      const events = eventsOfDocument(document);
      t.equal(events.length, expected.length, `${file}: one expected hash per event`);
      events.forEach((event, i) => {
        const id = canonicalEventId(event, context);
        t.equal(id, expected[i], `${file} event ${i}`);
        if (id !== expected[i])
          t.comment(`pre-hash:  ${eventPreHash(event, context)}\nreference: ${preHashes[i] ?? '(none)'}`);
        checked++;
      });
    }
    t.ok(checked >= SUITE_EVENTS_MIN, `${checked} events in ${documents.length} documents checked`);
  },
);

t.test(
  'the id does not depend on JSON key order, eventID, recordTime or ignored fields',
  { skip: existsSync(DIR) ? false : `no reference suite at ${DIR}` },
  async (t) => {
    const document = JSON.parse(readFileSync(join(DIR, 'epcisDocWithVariousEventTypes.jsonld'), 'utf8')) as Record<
      string,
      unknown
    >;
    const expected = lines(join(DIR, 'epcisDocWithVariousEventTypes.hashes'));
    const context = eventHashContext(document);
    eventsOfDocument(document).forEach((event, i) => {
      const reordered = Object.fromEntries(Object.entries(event).reverse());
      const restamped = {
        ...reordered,
        eventID: 'urn:uuid:6f4a9c1e-0000-4000-8000-000000000000',
        recordTime: '2030-01-01T00:00:00Z',
      };
      t.equal(canonicalEventId(restamped, context), expected[i], `event ${i} reordered and restamped`);
      t.equal(
        canonicalEventId({ ...event, 'hn:note': 'x' }, context, ['hn:note']),
        expected[i],
        `event ${i}: an ignored field takes no part`,
      );
    });
  },
);

t.test(
  'an event alone hashes as in a document with the standard context; member names of Object are plain names',
  async (t) => {
    const event = {
      type: 'ObjectEvent',
      eventTime: '2026-03-01T10:00:00.0004+08:00',
      eventTimeZoneOffset: '+08:00',
      epcList: ['urn:epc:tag:sgtin-96:3.0614141.812345.6789', 'urn:epc:id:sgtin:0614141.812345.6789'],
      action: 'OBSERVE',
      bizStep: 'receiving',
      bizTransactionList: [{ type: 'constructor', bizTransaction: 'urn:epcglobal:cbv:bt:0614141073467:1152' }],
      'hn:regime': 'BONDED',
      toString: 'constructor:x',
    };
    const document = {
      '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
      type: 'EPCISDocument',
      epcisBody: { eventList: [event] },
    };
    t.equal(canonicalEventId(event), canonicalEventId(event, eventHashContext(document)));
    const preHash = eventPreHash(event);
    t.match(
      preHash,
      /^eventType=ObjectEventeventTime=2026-03-01T02:00:00\.000Z/,
      'UTC, sub-millisecond digits rounded',
    );
    t.match(
      preHash,
      'action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-receiving',
      'a CBV short name as its web URI',
    );
    t.match(
      preHash,
      'epc=https://id.gs1.org/01/80614141123458/21/6789epc=urn:epc:tag:sgtin-96:3.0614141.812345.6789',
      'pure identities as Digital Link; tag URIs as written, as in the reference',
    );
    t.match(preHash, 'type=constructor', 'a type named like an Object member is an unknown word');
    t.match(preHash, 'toString=constructor:x', 'and so is a field');
  },
);
