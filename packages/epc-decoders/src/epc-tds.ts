/**
 * The one place that imports the `epc-tds` library. It publishes its API both as `module.exports` and as a
 * `default` export on an object that `module.exports` then replaces, so how a default import resolves
 * depends on the compiler's interop settings; this picks whichever is there.
 */
import * as epcTdsModule from 'epc-tds';

type Tds = typeof epcTdsModule.default;

/** The epc-tds API (`Sgtin96`, `Sgtin198`, `valueOf`, ...). */
export const tds: Tds = (epcTdsModule as unknown as { default?: Tds }).default ?? (epcTdsModule as unknown as Tds);
