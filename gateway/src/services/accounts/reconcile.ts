/**
 * The reconciliation diff of one enterprise's ERP figures against its book (one enterprise, one account). Pure: no
 * database, no framework.
 *
 * An ERP may book at a coarser grain than the ledger: a line names a GTIN and, optionally, a regime and/or a
 * location; what it omits it sums over. So that every book line is compared with exactly one ERP figure, all lines
 * of one GTIN must use the same grain (e.g. all `{gtin, location}`), and no two lines may name the same key. A book
 * line is then compared at its GTIN's grain; a book line whose GTIN the ERP does not mention at all is a variance of
 * its own, at the ledger's full grain.
 */

/** One line of the ERP's figures. */
export interface ErpLine {
  readonly gtin: string;
  readonly regime?: string | undefined;
  readonly location?: string | undefined;
  readonly quantity: number;
}

/** One line of the book. */
export interface BookLine {
  readonly gtin: string;
  readonly regime: string;
  readonly location: string;
  readonly quantity: number;
}

/**
 * What kind of variance:
 * - `QUANTITY_DIFFERS`: both sides have the line, with other quantities;
 * - `MISSING_IN_LEDGER`: the ERP has a quantity, the book nothing (balance zero) for that line;
 * - `MISSING_IN_ERP`: the book has a balance for a line the ERP does not mention.
 */
export type VarianceStatus = 'QUANTITY_DIFFERS' | 'MISSING_IN_LEDGER' | 'MISSING_IN_ERP';

/** One variance, at the grain the ERP used for its GTIN (null: summed over that dimension). */
export interface Variance {
  readonly gtin: string;
  readonly regime: string | null;
  readonly location: string | null;
  /** The ERP's figure; null when the ERP does not mention the line. */
  readonly erpQuantity: number | null;
  /** The book's balance (summed over the dimensions the ERP omitted). */
  readonly ledgerQuantity: number;
  /** ERP minus ledger (a missing ERP figure counts as 0). */
  readonly difference: number;
  readonly status: VarianceStatus;
}

/** The diff. */
export interface AccountDiff {
  /** Every variance, in line order (GTIN, regime, location; a summed dimension first). */
  readonly variances: Variance[];
  /** ERP lines that agree with the book. */
  readonly matched: number;
}

/** ERP lines the diff cannot take: why, and the index of the offending line. */
export class ErpLinesRefused extends Error {
  constructor(
    message: string,
    readonly lineIndex: number,
  ) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ErpLinesRefused';
  }
}

interface Grain {
  readonly regime: boolean;
  readonly location: boolean;
}

const FULL_GRAIN: Grain = { regime: true, location: true };

function grainOf(line: ErpLine): Grain {
  return { regime: line.regime !== undefined, location: line.location !== undefined };
}

function describeGrain(grain: Grain): string {
  return ['gtin', ...(grain.regime ? ['regime'] : []), ...(grain.location ? ['location'] : [])].join(', ');
}

function keyOf(gtin: string, regime: string | null, location: string | null): string {
  return `${gtin}\u0000${regime ?? ''}\u0000${location ?? ''}`;
}

/** Order of variances: by GTIN, regime, location, in code unit order, a summed (null) dimension first. */
function compareLines(a: Variance, b: Variance): number {
  for (const [x, y] of [
    [a.gtin, b.gtin],
    [a.regime, b.regime],
    [a.location, b.location],
  ] as const) {
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Compare ERP figures with the book.
 *
 * @param erpLines - The ERP's lines.
 * @param book - The book's non-zero lines (any order; one per key).
 * @returns Every variance and the number of agreeing ERP lines.
 * @throws ErpLinesRefused when two lines name the same key, or lines of one GTIN use different grains.
 */
export function diffAccount(erpLines: readonly ErpLine[], book: readonly BookLine[]): AccountDiff {
  const grains = new Map<string, { grain: Grain; firstIndex: number }>();
  const erp = new Map<string, { line: ErpLine; ledger: number }>();
  erpLines.forEach((line, index) => {
    const grain = grainOf(line);
    const known = grains.get(line.gtin);
    if (known === undefined) {
      grains.set(line.gtin, { grain, firstIndex: index });
    } else if (known.grain.regime !== grain.regime || known.grain.location !== grain.location) {
      throw new ErpLinesRefused(
        `lines[${index}] gives GTIN ${line.gtin} by (${describeGrain(grain)}) but lines[${known.firstIndex}] by ` +
          `(${describeGrain(known.grain)}): use one grain per GTIN`,
        index,
      );
    }
    const key = keyOf(line.gtin, line.regime ?? null, line.location ?? null);
    if (erp.has(key)) {
      throw new ErpLinesRefused(
        `lines[${index}] repeats the line of GTIN ${line.gtin}${line.regime ? ` ${line.regime}` : ''}${line.location ? ` at ${line.location}` : ''}`,
        index,
      );
    }
    erp.set(key, { line, ledger: 0 });
  });

  // Book lines the ERP does not mention, summed at the ERP's grain for their GTIN (the full grain if none).
  const ledgerOnly = new Map<
    string,
    { gtin: string; regime: string | null; location: string | null; quantity: number }
  >();
  for (const line of book) {
    const grain = grains.get(line.gtin)?.grain ?? FULL_GRAIN;
    const regime = grain.regime ? line.regime : null;
    const location = grain.location ? line.location : null;
    const key = keyOf(line.gtin, regime, location);
    const matching = erp.get(key);
    if (matching !== undefined) {
      matching.ledger += line.quantity;
      continue;
    }
    const other = ledgerOnly.get(key);
    if (other !== undefined) other.quantity += line.quantity;
    else ledgerOnly.set(key, { gtin: line.gtin, regime, location, quantity: line.quantity });
  }

  const variances: Variance[] = [];
  let matched = 0;
  for (const { line, ledger } of Array.from(erp.values())) {
    if (line.quantity === ledger) {
      matched++;
      continue;
    }
    variances.push({
      gtin: line.gtin,
      regime: line.regime ?? null,
      location: line.location ?? null,
      erpQuantity: line.quantity,
      ledgerQuantity: ledger,
      difference: line.quantity - ledger,
      status: ledger === 0 ? 'MISSING_IN_LEDGER' : 'QUANTITY_DIFFERS',
    });
  }
  for (const line of Array.from(ledgerOnly.values())) {
    if (line.quantity === 0) {
      continue; // lines of a coarser grain that net to zero: nothing on the book to report
    }
    variances.push({
      gtin: line.gtin,
      regime: line.regime,
      location: line.location,
      erpQuantity: null,
      ledgerQuantity: line.quantity,
      difference: -line.quantity,
      status: 'MISSING_IN_ERP',
    });
  }
  variances.sort(compareLines);
  return { variances, matched };
}
