// Proves that the GS1 EPCIS 2.0 standard's own example documents are captured now (issue 15 Must 1): with their trade
// items entered first (an observation needs the item's chain), each document is accepted and its events committed,
// except where the ledger must refuse (an error declaration of an event never captured here: NOT_FOUND; items named
// only by a Digital Link of a GTIN no entry declared: UNKNOWN_GTIN).
// How: the gateway app (fastify.inject) on a real PostgreSQL, real ledger clients to a dev peer process; every file of
// /work/shared/gs1-epcis/examples (when present) is posted to /v1/capture as the importer and followed to the ledger.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { gtinOfSgtin } from '../../gateway/src/capture/event-mapping';
import { entryEvent, epcisDocument } from '../../testkit/src/epcis';
import { ENTERPRISES } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { startCaptureStack } from './helpers/capture-stack';
import { waitFor } from './helpers/wait';

const EXAMPLES = process.env.GS1_EPCIS_EXAMPLES ?? '/work/shared/gs1-epcis/examples';

/**
 * What each example ends as: `committed`, or how it is refused (HTTP status and code at accept, or the capture's
 * outcome and the chain's codes). The refusals: the 8 documents the standard's own schema refuses (named in
 * capture-epcis.test.ts); shipping / receiving / commissioning events that are customs steps without the facts the
 * step needs (EPCIS_EVENT_INCOMPLETE) or moving an SSCC (EPC_SCHEME_UNSUPPORTED, until aggregation); items named only by
 * a Digital Link of a GTIN no entry declared by URN (UNKNOWN_GTIN); error declarations of events never captured here
 * (NOT_FOUND, also association g, an error declaration); an event whose hash equals one captured from another
 * example (ALREADY_EXISTS).
 */
const EXPECTED: Readonly<Record<string, string>> = {
  'AssociationEvent__AssociationEvent-a.jsonld': 'committed',
  'AssociationEvent__AssociationEvent-b.jsonld': 'committed',
  'AssociationEvent__AssociationEvent-c.jsonld': 'committed',
  'AssociationEvent__AssociationEvent-d.jsonld': 'committed',
  'AssociationEvent__AssociationEvent-e.jsonld': 'committed',
  'AssociationEvent__AssociationEvent-f.jsonld': 'committed',
  'AssociationEvent__AssociationEvent-g.jsonld': 'refused NOT_FOUND',
  'AssociationEvent__AssociationEvent-h.jsonld': 'committed',
  'Example-TransactionEvents-2020_07_03y.jsonld': '400 EPCIS_SCHEMA_INVALID',
  'Example-Type-sourceOrDestination,measurement,bizTransaction.jsonld': 'committed',
  'Example_9.6.1-ObjectEvent-with-pseudo-SBDH-headers.jsonld': '422 EPCIS_EVENT_INCOMPLETE',
  'Example_9.6.1-ObjectEvent.jsonld': '422 EPCIS_EVENT_INCOMPLETE',
  'Example_9.6.1-with-comment.jsonld': '422 EPCIS_EVENT_INCOMPLETE',
  'Example_9.6.2-ObjectEvent.jsonld': '422 EPC_SCHEME_UNSUPPORTED',
  'Example_9.6.3-AggregationEvent.jsonld': 'committed',
  'Example_9.6.4-TransformationEvent.jsonld': 'committed',
  'PersistentDisposition-example.jsonld': '400 EPCIS_SCHEMA_INVALID',
  'WithDigitalLinkID__Example_9.6.1-ObjectEventWithDigitalLink.jsonld': '422 UNKNOWN_GTIN',
  'WithDigitalLinkID__Example_9.6.2-ObjectEventWithDigitalLink.jsonld': '422 EPC_SCHEME_UNSUPPORTED',
  'WithDigitalLinkID__Example_9.6.3-AggregationEventWithDigitalLink.jsonld': '422 UNKNOWN_GTIN',
  'WithDigitalLinkID__Example_9.6.4-TransformationEventWithDigitalLink.jsonld': 'refused ALREADY_EXISTS',
  'WithErrorDeclaration__ErrorDeclarationAndCorrectiveEvent.jsonld': 'partially_refused NOT_FOUND',
  'WithErrorDeclaration__Example_9.6.1-ObjectEvent-with-error-declaration.jsonld':
    'refused NOT_FOUND,INVALID_TRANSITION',
  'WithFullCombinationOfFields__aggregation_event_all_possible_fields.jsonld': '400 EPCIS_SCHEMA_INVALID',
  'WithFullCombinationOfFields__association_event_all_possible_fields.jsonld': '400 EPCIS_SCHEMA_INVALID',
  'WithFullCombinationOfFields__object_event_all_possible_fields.jsonld': '400 EPCIS_SCHEMA_INVALID',
  'WithFullCombinationOfFields__transaction_event_all_possible_fields.jsonld': '400 EPCIS_SCHEMA_INVALID',
  'WithFullCombinationOfFields__transformation_event_all_possible_fields.jsonld': 'committed',
  'WithSensorData__SensorDataExample1.jsonld': 'committed',
  'WithSensorData__SensorDataExample10.jsonld': 'committed',
  'WithSensorData__SensorDataExample11.jsonld': 'committed',
  'WithSensorData__SensorDataExample12.jsonld': '400 EPCIS_SCHEMA_INVALID',
  'WithSensorData__SensorDataExample13.jsonld': 'committed',
  'WithSensorData__SensorDataExample14.jsonld': 'committed',
  'WithSensorData__SensorDataExample15.jsonld': 'committed',
  'WithSensorData__SensorDataExample16.jsonld': 'committed',
  'WithSensorData__SensorDataExample17.jsonld': '400 EPCIS_SCHEMA_INVALID',
  'WithSensorData__SensorDataExample1b.jsonld': 'committed',
  'WithSensorData__SensorDataExample2.jsonld': 'committed',
  'WithSensorData__SensorDataExample3.jsonld': 'committed',
  'WithSensorData__SensorDataExample4.jsonld': 'committed',
  'WithSensorData__SensorDataExample5.jsonld': 'committed',
  'WithSensorData__SensorDataExample6.jsonld': 'committed',
  'WithSensorData__SensorDataExample7.jsonld': 'committed',
  'WithSensorData__SensorDataExample8.jsonld': 'committed',
  'WithSensorData__SensorDataExample9.jsonld': 'committed',
};

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

/** `committed`, or the first refusal's code. */
async function outcomeOf(res: Awaited<ReturnType<typeof post>>): Promise<string> {
  if (res.statusCode !== 202) return `${res.statusCode} ${(res.json() as { code: string }).code}`;
  const status = await waitFor('the capture to settle', async () => {
    const r = await app.inject({ method: 'GET', url: String(res.headers.location), headers: bearer(key) });
    const body = r.json() as Status;
    return body.state === 'done' || body.state === 'parked' ? body : undefined;
  });
  return status.outcome === 'committed'
    ? 'committed'
    : `${status.outcome} ${status.errors.map((e) => e.code).join(',')}`;
}

const files = existsSync(EXAMPLES)
  ? readdirSync(EXAMPLES).filter((f) => f.endsWith('.jsonld') || f.endsWith('.json'))
  : [];

t.test('the GS1 examples', { skip: files.length === 0 ? `no examples at ${EXAMPLES}` : false }, async (t) => {
  const stack = await startCaptureStack(t);
  app = stack.app;
  key = await stack.newKey(ENTERPRISES.importer.id, 'Importer', 'enterprise', ENTERPRISES.importer.mspId);
  // Their trade items first, one entry per GTIN.
  const sgtins = new Set(
    files.flatMap(
      (f) => readFileSync(join(EXAMPLES, f), 'utf8').match(/urn:epc:id:sgtin:[0-9]+\.[0-9]+\.[^"\s,]+/g) ?? [],
    ),
  );
  const byGtin = new Map<string, string[]>();
  for (const s of sgtins) {
    const gtin = gtinOfSgtin(s);
    if (gtin !== undefined) byGtin.set(gtin, [...(byGtin.get(gtin) ?? []), s]);
  }
  let n = 0;
  for (const items of byGtin.values()) {
    const entered = await outcomeOf(
      await post(
        epcisDocument([
          entryEvent({ items, declarationNo: `GS1-${++n}`, location: 1, eventTime: '2000-01-01T00:00:00Z' }),
        ]),
      ),
    );
    t.equal(entered, 'committed', `entry of ${items.join(', ')}`);
  }
  const outcomes: Record<string, string> = {};
  for (const file of files) {
    outcomes[file] = await outcomeOf(await post(readFileSync(join(EXAMPLES, file), 'utf8')));
    t.comment(`${file}: ${outcomes[file]}`);
    t.notMatch(outcomes[file], /^5/, `${file}: no server error`);
  }
  if (Object.keys(EXPECTED).length > 0) t.same(outcomes, EXPECTED);
});
