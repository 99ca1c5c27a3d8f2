// Proves issue 15's first proof: every example document of the GS1 EPCIS 2.0 standard that the standard's schema
// accepts is accepted (202), committed on the chain (a partner's events as observations: no customs facts needed, items
// the ledger does not know recorded all the same outside the custody steps), reads back from the EPCIS query interface
// equal to what was sent (modulo recordTime and generated eventIDs), and is captured once however often it is posted.
// How: the gateway app (fastify.inject) on a real PostgreSQL, real ledger clients to a dev peer process, the capture job
// and the projection follower as in the server; every file of /work/shared/gs1-epcis/examples (when present) is
// checked with the standard's schema, posted to /v1/capture as one enterprise, followed to the ledger, read back
// through GET /v1/epcis/events/{eventID} with that enterprise's key, and posted again.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { observationNeedsItems } from '@hainan/ledger-model';
import { epcisSchemaViolations } from '../../gateway/src/capture/epcis-schema';
import { canonicalEventId, eventHashContext } from '../../gateway/src/capture/event-hash';
import { gtinOfSgtin } from '../../gateway/src/capture/event-mapping';
import { capturedEventIdOf } from '../../gateway/src/capture/observation-mapping';
import { entryEvent, epcisDocument } from '../../testkit/src/epcis';
import { ENTERPRISES } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { startCaptureStack } from './helpers/capture-stack';
import { waitFor } from './helpers/wait';

const SHARED = process.env.GS1_EPCIS_DIR ?? '/work/shared/gs1-epcis';
const EXAMPLES = join(SHARED, 'examples');

/**
 * The examples the standard's own JSON schema refuses, and why (the schema is the authority: capture refuses them
 * with 400 EPCIS_SCHEMA_INVALID, and the test checks it does).
 */
const SCHEMA_INVALID: Readonly<Record<string, RegExp>> = {
  // A single source object where the schema wants a list.
  'Example-TransactionEvents-2020_07_03y.jsonld': /sourceList must be array/,
  // Members the schema's event definitions do not allow (persistentDisposition, error-declaration extensions, ...).
  'PersistentDisposition-example.jsonld': /must be equal to one of the allowed values/,
  'WithFullCombinationOfFields__aggregation_event_all_possible_fields.jsonld':
    /must be equal to one of the allowed values/,
  'WithFullCombinationOfFields__association_event_all_possible_fields.jsonld':
    /must be equal to one of the allowed values/,
  // An ilmd member the schema forbids.
  'WithFullCombinationOfFields__object_event_all_possible_fields.jsonld': /ilmd must NOT be valid/,
  'WithFullCombinationOfFields__transaction_event_all_possible_fields.jsonld':
    /must be equal to one of the allowed values/,
  // No schemaVersion (nor creationDate); a numeric schemaVersion.
  'WithSensorData__SensorDataExample12.jsonld': /required property 'schemaVersion'/,
  'WithSensorData__SensorDataExample17.jsonld': /schemaVersion must be string/,
};

type Json = Record<string, unknown>;

let app: FastifyInstance;
let key = '';

interface Status {
  state: string;
  outcome: string;
  errors: { code: string; message: string }[];
}

async function post(doc: unknown) {
  return app.inject({
    method: 'POST',
    url: '/v1/capture',
    headers: { ...bearer(key), 'content-type': 'application/ld+json' },
    payload: typeof doc === 'string' ? doc : JSON.stringify(doc),
  });
}

/** `committed`, or how the capture was refused (HTTP status and code, or its outcome and the chain's codes). */
async function outcomeOf(res: Awaited<ReturnType<typeof post>>): Promise<string> {
  if (res.statusCode !== 202) return `${res.statusCode} ${(res.json() as { code: string }).code}: ${res.body}`;
  const status = await waitFor('the capture to settle', async () => {
    const r = await app.inject({ method: 'GET', url: String(res.headers.location), headers: bearer(key) });
    const body = r.json() as Status;
    return body.state === 'done' || body.state === 'parked' ? body : undefined;
  });
  return status.outcome === 'committed' || status.outcome === 'nothing_new'
    ? status.outcome
    : `${status.outcome} ${JSON.stringify(status.errors)}`;
}

interface QueryDocument {
  '@context': unknown;
  epcisBody: { queryResults: { resultsBody: { eventList: Json[] } } };
}

/** The events with this eventID the caller sees (after the projection caught up with `least` of them). */
async function eventsWithId(id: string, least: number): Promise<{ events: Json[]; context: unknown }> {
  return waitFor(`event ${id} in the query interface`, async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/epcis/events/${encodeURIComponent(id)}`,
      headers: bearer(key),
    });
    if (res.statusCode !== 200) return undefined;
    const doc = res.json() as QueryDocument;
    const events = doc.epcisBody.queryResults.resultsBody.eventList;
    return events.length >= least ? { events, context: doc['@context'] } : undefined;
  });
}

/** The namespace prefixes a JSON-LD `@context` (a URL, an object, or a list of them) defines. */
function prefixesOf(context: unknown): Map<string, string> {
  const prefixes = new Map<string, string>();
  for (const entry of Array.isArray(context) ? context : [context]) {
    if (typeof entry !== 'object' || entry === null) continue;
    for (const [p, iri] of Object.entries(entry)) if (typeof iri === 'string') prefixes.set(p, iri);
  }
  return prefixes;
}

/** The compact-IRI prefixes (`example:` of `example:myField`) of an event's member names, at any depth. */
function prefixesUsed(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) prefixesUsed(v, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const m = /^([A-Za-z][\w.-]*):(?!\/\/)/.exec(k);
      if (m) found.add(m[1]!);
      prefixesUsed(v, found);
    }
  }
  return found;
}

/**
 * What the standard lets a repository change in an event it returns, taken out of both sides:
 * - `recordTime`: the repository sets it when it records the event (EPCIS 2.0 §7.4.1; a capturing application's value
 *   is not kept);
 * - `eventID` of an event sent without one: the repository names it (here by its CBV 2.0 §8.9 event hash id, checked
 *   before it is taken out).
 * Nothing else: member order aside (JSON objects), every field, value, number and extension must come back as sent.
 */
function normalised(event: Json, generatedId: boolean): Json {
  const { recordTime: _recordTime, ...rest } = event;
  if (generatedId) delete rest.eventID;
  return rest;
}

const files = existsSync(EXAMPLES)
  ? readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.jsonld') || f.endsWith('.json'))
      .sort()
  : [];

t.test('the GS1 EPCIS 2.0 examples', { skip: files.length === 0 ? `no examples at ${EXAMPLES}` : false }, async (t) => {
  t.equal(
    readFileSync(join(SHARED, 'EPCIS-JSON-Schema.json'), 'utf8'),
    readFileSync(join(__dirname, '..', '..', 'gateway', 'schemas', 'epcis', 'EPCIS-JSON-Schema.json'), 'utf8'),
    'capture validates with the standard schema itself',
  );
  const docs = new Map(files.map((f) => [f, JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')) as Json]));
  const valid: string[] = [];
  for (const [file, doc] of docs) {
    const violations = epcisSchemaViolations(doc);
    if (violations.length === 0) valid.push(file);
    else {
      const reason = `${violations[0]!.pointer} ${violations[0]!.message}`;
      t.comment(`schema-invalid: ${file}: ${reason}`);
      t.match(reason, SCHEMA_INVALID[file] ?? /^$/, `${file}: refused by the schema for the reason listed`);
    }
  }
  t.same(
    files.filter((f) => !valid.includes(f)),
    Object.keys(SCHEMA_INVALID).sort(),
    'the examples the standard schema refuses',
  );
  t.ok(valid.length >= 38, `${valid.length} schema-valid examples`);
  t.comment(`schema-valid: ${valid.join(', ')}`);

  const stack = await startCaptureStack(t);
  app = stack.app;
  key = await stack.newKey(ENTERPRISES.importer.id, 'Importer', 'enterprise', ENTERPRISES.importer.mspId);

  // The ledger needs the items of custody steps (inspecting, storing, ...: ledger-model CUSTODY_BIZ_STEPS) on it: the
  // items those events name are entered first, one entry per GTIN. Every other item stays unknown to the ledger.
  const eventsOf = (doc: Json) => ((doc.epcisBody as Json).eventList as Json[]) ?? [];
  const custodyItems = new Set(
    valid.flatMap((f) =>
      eventsOf(docs.get(f)!)
        .filter((e) => observationNeedsItems(e))
        .flatMap((e) => JSON.stringify(e).match(/urn:epc:id:sgtin:[0-9]+\.[0-9]+\.[^"\s,]+/g) ?? []),
    ),
  );
  const byGtin = new Map<string, string[]>();
  for (const s of custodyItems) {
    const gtin = gtinOfSgtin(s);
    if (gtin !== undefined) byGtin.set(gtin, [...(byGtin.get(gtin) ?? []), s]);
  }
  let n = 0;
  for (const items of byGtin.values()) {
    const entry = entryEvent({ items, declarationNo: `GS1-${++n}`, location: 1, eventTime: '2000-01-01T00:00:00Z' });
    t.equal(await outcomeOf(await post(epcisDocument([entry]))), 'committed', `entry of ${items.join(', ')}`);
  }
  t.comment(`${custodyItems.size} items of custody steps entered first`);

  // Each schema-valid document: accepted and committed. One example reuses the eventID of another for a different
  // event (eventIDs are globally unique, EPCIS 2.0 §7.4.1.1): the first capture keeps it, the second says so.
  const locations = new Map<string, string>();
  const capturedIds = new Set<string>();
  for (const file of valid) {
    const doc = docs.get(file)!;
    const ids = eventsOf(doc).map((e) => capturedEventIdOf(e, eventHashContext(doc)));
    const reused = ids.filter((id) => capturedIds.has(id));
    const res = await post(readFileSync(join(EXAMPLES, file), 'utf8'));
    t.equal(res.statusCode, 202, `${file}: accepted`);
    locations.set(file, String(res.headers.location));
    const outcome = await outcomeOf(res);
    if (reused.length === ids.length) {
      t.comment(`${file} reuses the eventID(s) ${reused.join(', ')} of an earlier example: kept as first captured`);
      // The same events as an earlier document: its capture (committed); other events under those ids: nothing new.
      const earlier = [...locations.values()].slice(0, -1).includes(String(res.headers.location));
      t.equal(outcome, earlier ? 'committed' : 'nothing_new', `${file}: its eventIDs were captured before`);
    } else t.equal(outcome, 'committed', `${file}: committed`);
    for (const id of ids) capturedIds.add(id);
  }
  for (const file of Object.keys(SCHEMA_INVALID)) {
    const res = await post(readFileSync(join(EXAMPLES, file), 'utf8'));
    t.match([res.statusCode, res.json()], [400, { code: 'EPCIS_SCHEMA_INVALID' }], `${file}: refused by the schema`);
  }

  // Every event reads back equal. An event without eventID is named by its hash id. The same event (by its CBV 2.0
  // hash id, which leaves out what does not change the event: an rdfs:comment, the identifier form) sent in two
  // documents is on the ledger once, as it was first captured (counted once, the purpose of the hash id): it reads
  // back as that first capture. These are listed as comments.
  const first = new Map<string, { event: Json; id: string; generated: boolean; where: string }>();
  const firstById = new Map<string, { event: Json; id: string; generated: boolean; where: string }>();
  const counts = new Map<string, number>();
  for (const file of valid) {
    const doc = docs.get(file)!;
    const hashContext = eventHashContext(doc);
    const sentPrefixes = prefixesOf(doc['@context']);
    for (const [i, event] of eventsOf(doc).entries()) {
      const hash = canonicalEventId(event, hashContext);
      const declaration = event.errorDeclaration !== undefined;
      const generated = typeof event.eventID !== 'string';
      const self = { event, id: generated ? hash : (event.eventID as string), generated, where: `${file} #${i}` };
      const sameEvent = `${hash} ${declaration}`;
      const sameId = capturedEventIdOf(event, hashContext);
      const target = firstById.get(sameId) ?? first.get(sameEvent) ?? self;
      if (target === self) {
        first.set(sameEvent, self);
        firstById.set(sameId, self);
      } else if (firstById.has(sameId) && !first.has(sameEvent)) {
        t.comment(`${self.where} reuses the eventID of ${target.where} for another event: reads back as that one`);
      } else t.comment(`${self.where} is the same event as ${target.where} (hash id ${hash}): recorded once`);
      const want = normalised(target.event, target.generated);
      // The projection follows the chain: poll (bounded) until the event shows, then compare.
      let got: Json[] = [];
      let context: unknown;
      await waitFor(`${self.where} (${target.id}) in the query interface`, async () => {
        ({ events: got, context } = await eventsWithId(target.id, 1));
        got = got.filter((e) => (e.errorDeclaration !== undefined) === declaration);
        return got.some((e) => isDeepStrictEqual(normalised(e, target.generated), want));
      }).catch(() => undefined);
      counts.set(target.id, got.length);
      if (target.generated)
        t.ok(
          got.some((e) => e.eventID === hash),
          `${self.where}: named by its hash id`,
        );
      const same = got.map((e) => normalised(e, target.generated)).find((g) => isDeepStrictEqual(g, want));
      t.same(same ?? got[0], want, `${self.where} (${event.type as string}): the query returns it as sent`);
      const returned = prefixesOf(context);
      for (const p of prefixesUsed(target.event)) {
        if (sentPrefixes.has(p))
          t.equal(returned.get(p), sentPrefixes.get(p), `${self.where}: its extension prefix ${p}: means the same`);
      }
    }
  }

  // Posting every document again changes nothing (the same capture), and neither does posting each of its events
  // again in a document of its own (a new capture: the chain knows the event by its hash id and records it once).
  for (const file of valid) {
    const res = await post(readFileSync(join(EXAMPLES, file), 'utf8'));
    t.equal(res.statusCode, 202, `${file}: accepted again`);
    t.equal(String(res.headers.location), locations.get(file), `${file}: the same capture`);
    const doc = docs.get(file)!;
    for (const [i, event] of eventsOf(doc).entries()) {
      const alone = { ...doc, epcisBody: { eventList: [event] } };
      t.match(await outcomeOf(await post(alone)), /^(committed|nothing_new)$/, `${file} #${i} alone: nothing refused`);
    }
  }
  for (const [id, count] of counts) {
    const { events } = await eventsWithId(id, 1);
    t.equal(events.length, count, `${id}: not duplicated`);
  }
});
