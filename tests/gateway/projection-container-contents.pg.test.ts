// Proves the contents of a container as the projection lists them (GET /v1/containers/{id}, issue 15 Must 3): the items
// inside a pallet, directly or through its cases, each with the case it is in, in SGTIN order, in keyset pages that
// neither skip nor repeat; an item unpacked leaves the list; an enterprise sees the items it may read (the receiver of
// the pallet all of them, another enterprise none).
// How: synthetic LedgerEvents through projectEvents + the PostgreSQL repository on a real, migrated database.
import t from 'tap';
import { createPool, newProjectionRepository } from '../../gateway/src/adapters/pg';
import { projectEvents } from '../../gateway/src/projection/ledger-event';
import { CASE, container, containerEvent, itemAt, PALLET, sgtinOf, TRANSIT } from './helpers/container-events';
import { createMigratedDatabase } from './helpers/database';

const S = sgtinOf;
const item = itemAt;
const event = containerEvent;
const EVENTS = [
  event(1, 'ENTRY', [item(1, 1), item(2, 1), item(3, 1)]),
  event(2, 'PACK', [item(2, 2, { container: CASE }), item(1, 2, { container: CASE })], [container(CASE)]),
  event(3, 'PACK', [item(3, 3, { container: PALLET })], [container(PALLET)]),
  event(4, 'PACK', [], [container(CASE, { parent: PALLET }), container(PALLET)]),
  event(5, 'CONTAINER_SHIPMENT', [], [container(PALLET, { status: 'IN_TRANSIT', transit: TRANSIT })]),
  event(6, 'CONTAINER_RECEIPT', [], [container(PALLET, { holder: 'B', location: 'L2' })]),
];

t.test('the items inside a pallet, through its cases, page by page, as each caller may read them', async (t) => {
  const db = createPool({ connectionString: await createMigratedDatabase(t) });
  t.teardown(() => db.end());
  const repo = newProjectionRepository(db);
  for (const e of EVENTS) await repo.applyBatch(projectEvents([e]));
  const list = async (id: string, page: { after?: string; limit: number; visibleTo?: string }) =>
    (await repo.containerContents(id, page)).map((r) => [r.sgtin, r.container]);

  t.same(
    await list(PALLET, { limit: 10 }),
    [
      [S(1), CASE],
      [S(2), CASE],
      [S(3), PALLET],
    ],
    'every item inside, each with the container it is directly in, in SGTIN order',
  );
  t.same(await list(CASE, { limit: 10 }), [
    [S(1), CASE],
    [S(2), CASE],
  ]);
  const first = await list(PALLET, { limit: 2 });
  const second = await list(PALLET, { after: String(first[1]?.[0]), limit: 2 });
  t.same(
    [...first, ...second].map((r) => r[0]),
    [S(1), S(2), S(3)],
    'pages neither skip nor repeat',
  );
  t.same(await list(PALLET, { limit: 10, visibleTo: 'B' }), await list(PALLET, { limit: 10 }), 'the receiver: all');
  t.same(await list(PALLET, { limit: 10, visibleTo: 'C' }), [], 'another enterprise: none');
  t.same(await list(S(1), { limit: 10 }), [], 'an item holds nothing');

  await repo.applyBatch(
    projectEvents([
      event(
        7,
        'UNPACK',
        [item(1, 7, { holder: 'B', location: 'L2' })],
        [container(CASE, { holder: 'B', location: 'L2' })],
      ),
    ]),
  );
  t.same(
    (await list(PALLET, { limit: 10 })).map((r) => r[0]),
    [S(2), S(3)],
    'an item unpacked from the case is no longer inside the pallet',
  );
});
