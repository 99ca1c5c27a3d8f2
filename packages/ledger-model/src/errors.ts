/**
 * Stable error codes for every failure a caller can cause.
 *
 * The contract API sends only `error.message` back to the peer, and the client sees it as
 * `chaincode response 500, <message>`. So the code travels at the very start of the message,
 * `CODE: detail`, where the gateway and any client can read it with {@link parseErrorCode} without
 * depending on the wording of the detail. Codes are never renamed or reused; add new ones at the end.
 *
 * Failures a programmer causes (a bad value given to the codec, an impossible state) are assertions, not codes.
 */

/** Every stable error code, in one place. */
export const ErrorCode = {
  /** The caller's identity (MSP, role attribute, enterprise) may not do this. */
  ACCESS_DENIED: 'ACCESS_DENIED',
  /** The thing named by the arguments is not on the ledger. */
  NOT_FOUND: 'NOT_FOUND',
  /** An argument is malformed or out of range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The thing exists, but its current state does not allow this step. */
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  /** The thing to be created is already on the ledger. A client retrying its own create may treat this as success. */
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  /** The caller's enterprise does not hold the item it tries to move. */
  NOT_HOLDER: 'NOT_HOLDER',
  /** Customs holds the item; only release or seizure may touch it. */
  ITEM_HELD: 'ITEM_HELD',
  /** Goods were received at a location they were not shipped to, or by an enterprise they were not shipped to. */
  WRONG_RECEIPT: 'WRONG_RECEIPT',
  /** The event falls into an account period the enterprise has closed. */
  PERIOD_CLOSED: 'PERIOD_CLOSED',
  /** The enterprise named (or the caller's enterprise) is not registered by customs. */
  UNKNOWN_ENTERPRISE: 'UNKNOWN_ENTERPRISE',
  /** Mail shipment of a sold item before the buyer's departure is confirmed. */
  DEPARTURE_NOT_CONFIRMED: 'DEPARTURE_NOT_CONFIRMED',
  /** Buyer details (transient data) are missing from a sale. */
  BUYER_DETAILS_REQUIRED: 'BUYER_DETAILS_REQUIRED',
  /** No rule set (ledger or default) is in force at the event time. */
  NO_RULES_IN_FORCE: 'NO_RULES_IN_FORCE',
  /** A duty-free purchase exceeds a per-purchase limit (cosmetics pieces, mobile phones, alcohol ml). */
  PURCHASE_LIMIT_EXCEEDED: 'PURCHASE_LIMIT_EXCEEDED',
  /** The buyer is younger than the minimum duty-free buyer age in force on the purchase day. */
  BUYER_TOO_YOUNG: 'BUYER_TOO_YOUNG',
  /** A duty-free purchase without a ticket off the island departing at or after the sale. */
  NO_DEPARTURE_TICKET: 'NO_DEPARTURE_TICKET',
  /** The chosen pick-up mode is not allowed for this sale (price, category, or no off-island mail address). */
  PICKUP_MODE_NOT_ALLOWED: 'PICKUP_MODE_NOT_ALLOWED',
  /** Guarantee pick-up without a guarantee covering the import tax. */
  GUARANTEE_REQUIRED: 'GUARANTEE_REQUIRED',
  /** The person is barred from duty-free purchases (overstayed a pick-up departure window) until the ban ends. */
  PERSON_BARRED: 'PERSON_BARRED',
  /** The port named is not a second-line port in the rules in force. */
  UNKNOWN_PORT: 'UNKNOWN_PORT',
  /** The enterprise's credit class may not use batch exit. */
  BATCH_EXIT_NOT_ALLOWED: 'BATCH_EXIT_NOT_ALLOWED',
  /** Batch exit is suspended: a month's consolidated declaration is past its due date. */
  BATCH_EXIT_SUSPENDED: 'BATCH_EXIT_SUSPENDED',
  /** A consolidated exit declaration would include batches of two calendar years. */
  DECLARATION_SPANS_YEARS: 'DECLARATION_SPANS_YEARS',
  /** A consolidated exit declaration includes batches from a month other than its own. */
  DECLARATION_PERIOD_INVALID: 'DECLARATION_PERIOD_INVALID',
  /**
   * A transaction carried a `submissionId` that an earlier committed transaction already carried: the client's
   * retry of something that is already on the ledger. The detail names the earlier transaction; treat as success.
   */
  DUPLICATE_SUBMISSION: 'DUPLICATE_SUBMISSION',
  /**
   * Customs suspended the caller's enterprise and the suspension is in effect: every transaction the enterprise
   * submits as itself is refused until customs reinstates it.
   */
  ENTERPRISE_SUSPENDED: 'ENTERPRISE_SUSPENDED',
  /** Customs tried to suspend an enterprise that is already suspended (in effect or scheduled). */
  ALREADY_SUSPENDED: 'ALREADY_SUSPENDED',
  /** Customs tried to reinstate an enterprise that is not suspended. */
  NOT_SUSPENDED: 'NOT_SUSPENDED',
  /**
   * An inspection result for an exit that was not selected: its risk screening asked for no inspection and the
   * random draw did not select it (or its seed is not revealed yet, so the draw cannot be checked on the chain).
   */
  NOT_SELECTED_FOR_INSPECTION: 'NOT_SELECTED_FOR_INSPECTION',
  /** A release list (核放单) presented at a gate that no exit on the ledger carries. */
  RELEASE_LIST_UNKNOWN: 'RELEASE_LIST_UNKNOWN',
  /** The release list already passed a gate: nothing leaves twice. The message names when and where. */
  GATE_ALREADY_RELEASED: 'GATE_ALREADY_RELEASED',
  /** The gate refused a release list: the message names each blocking item (held, not cleared by inspection, ...). */
  GATE_BLOCKED: 'GATE_BLOCKED',
  /** A write-off (核销) of an account period the enterprise has not closed: only a frozen book is written off. */
  PERIOD_NOT_CLOSED: 'PERIOD_NOT_CLOSED',
  /** The period is already written off: once per enterprise and period. The message names the transaction. */
  ALREADY_WRITTEN_OFF: 'ALREADY_WRITTEN_OFF',
  /**
   * The write-off was asked for the matched set of a preview (its hash), and the ledger now matches another: a
   * document changed since (a declaration filed, a gate release). Preview again.
   */
  WRITE_OFF_CHANGED: 'WRITE_OFF_CHANGED',
  /** An answer to a request (一呼一应) that no enterprise filed on the ledger. */
  REQUEST_UNKNOWN: 'REQUEST_UNKNOWN',
  /** Accepting or refusing a request customs already accepted: it can only be marked done now. */
  REQUEST_ALREADY_ANSWERED: 'REQUEST_ALREADY_ANSWERED',
  /** Any answer to a request that is refused or done: those are final. */
  REQUEST_CLOSED: 'REQUEST_CLOSED',
  /**
   * The item is packed in a case or pallet (issue 15): a step on the item alone (sale, hold, exit, processing, a
   * loose shipment, packing it elsewhere) waits until it is unpacked. The message names the container.
   */
  ITEM_IN_CONTAINER: 'ITEM_IN_CONTAINER',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** A failure the caller caused, with a stable code at the start of its message. */
export class ChaincodeError extends Error {
  /** The stable code; also the first word of `message`. */
  readonly code: ErrorCode;
  /** The human-readable part of the message, after `CODE: `. */
  readonly detail: string;

  /**
   * @param code the stable code
   * @param detail what went wrong, for a person; may name the offending value
   */
  constructor(code: ErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    // Keeps `instanceof ChaincodeError` true when this file is compiled to ES5 (ts-node's default target in
    // the tap run), where extending Error otherwise loses the subclass prototype.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ChaincodeError';
    this.code = code;
    this.detail = detail;
  }
}

/** The caller's identity may not perform this operation. */
export function newAccessDenied(detail: string): ChaincodeError {
  return new ChaincodeError(ErrorCode.ACCESS_DENIED, detail);
}

/** The named thing is not on the ledger. */
export function newNotFound(detail: string): ChaincodeError {
  return new ChaincodeError(ErrorCode.NOT_FOUND, detail);
}

/** An argument is malformed or out of range. */
export function newInvalidArgument(detail: string): ChaincodeError {
  return new ChaincodeError(ErrorCode.INVALID_ARGUMENT, detail);
}

/** The thing's current state does not allow this step. */
export function newInvalidTransition(detail: string): ChaincodeError {
  return new ChaincodeError(ErrorCode.INVALID_TRANSITION, detail);
}

/** The thing to be created already exists. */
export function newAlreadyExists(detail: string): ChaincodeError {
  return new ChaincodeError(ErrorCode.ALREADY_EXISTS, detail);
}

/**
 * Reads the stable code from the start of an error message, wherever the message came from: a
 * {@link ChaincodeError}, or the text a client got back after `chaincode response 500, `.
 *
 * @param message an error message, optionally still carrying the peer's `chaincode response <status>, ` prefix
 * @returns the code, or undefined when the message does not start with a known code
 */
export function parseErrorCode(message: string): ErrorCode | undefined {
  const withoutPeerPrefix = message.replace(/^chaincode response \d+, /, '');
  const match = /^([A-Z][A-Z_]*): /.exec(withoutPeerPrefix);
  const candidate = match?.[1];
  return candidate !== undefined && KNOWN_CODES.has(candidate) ? (candidate as ErrorCode) : undefined;
}
