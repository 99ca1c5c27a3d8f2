// Proves the capture pipeline keeps entries that would conflict on the chain out of one wave: two transactions creating
// items in one run of serials (the chain's item-run index) go into successive waves, entries into different runs share
// a wave and are submitted side by side, and a big entry's parts stay in one wave when their runs are disjoint.
// How: the pure chunking of captured steps (gateway/src/capture/chunking.ts) on literal SGTINs.
import t from 'tap';
import { chunkSteps } from '../../gateway/src/capture/chunking';
import type { StepRequest } from '../../gateway/src/capture/event-mapping';

const sgtin = (serial: string | number) => `urn:epc:id:sgtin:6901234.000101.${serial}`;
const entry = (seq: number, serials: readonly (string | number)[], declarationNo = `D-${seq}`) => ({
  seq,
  eventId: `e${seq}`,
  step: {
    fn: 'goods:Enter',
    header: { declarationNo },
    items: serials.map(sgtin),
    sgtins: serials.map(sgtin),
    gtins: [],
    divisible: true,
  } as StepRequest,
});
const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);

t.test('entries creating items in one run go into successive waves; other runs share one', async (t) => {
  const waves = (steps: ReturnType<typeof entry>[]) => chunkSteps(steps).map((c) => c.wave);
  t.same(waves([entry(0, range(1_000, 50)), entry(1, range(1_050, 50))]), [0, 1], 'run 10xx twice: two waves');
  t.same(waves([entry(0, range(1_000, 100)), entry(1, range(1_100, 100))]), [0, 0], 'runs 10xx and 11xx: one wave');
  t.same(
    waves([entry(0, range(1_000, 2_500), 'D')]),
    [0, 0, 0],
    'a 2,500-item entry split at run boundaries: its parts are submitted side by side',
  );
  t.same(
    waves([entry(0, range(1_050, 2_000), 'D')]),
    [0, 1],
    'split inside a run (serials 2000..2049 and 2050..2099 in two parts): the second part waits',
  );
});
