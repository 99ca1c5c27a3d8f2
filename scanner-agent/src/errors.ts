/**
 * Stable error codes of the scanner agent, collected in one place.
 *
 * Every error an operator can cause (bad flag, missing library, unplugged device, unreachable or refusing
 * gateway, damaged spool) is an {@link AgentError} whose message starts with its code and whose `hint` says
 * how to fix it. Programmer errors stay plain `Error`s (assertions).
 */

/** The codes an {@link AgentError} can carry. Never rename one: scripts match on them. */
export type AgentErrorCode =
  | 'CONFIG_INVALID'
  | 'HID_UNAVAILABLE'
  | 'SERIAL_UNAVAILABLE'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_OPEN_FAILED'
  | 'CAPTURE_INVALID'
  | 'SPOOL_CORRUPT'
  | 'SPOOL_FULL'
  | 'SPOOL_LOCKED'
  | 'SESSION_TOO_LARGE'
  | 'GATEWAY_UNREACHABLE'
  | 'GATEWAY_AUTH'
  | 'GATEWAY_REJECTED'
  | 'GATEWAY_PROTOCOL'
  | 'STOCKTAKE_NOT_CLOSED';

/** Process exit codes the CLI uses, so wrappers can tell outcomes apart. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  device: 3,
  gatewayRejected: 4,
  /** Reads are safe in the spool but not yet acknowledged by the gateway (sysexits EX_TEMPFAIL). */
  pendingUpload: 75,
} as const;

/** An error the operator can act on: `CODE: message`, plus a hint saying what to do. */
export class AgentError extends Error {
  /**
   * @param code stable code, also the start of the message
   * @param detail what went wrong, in the operator's words
   * @param hint how to fix it, if there is something to do
   */
  constructor(
    readonly code: AgentErrorCode,
    detail: string,
    readonly hint?: string,
  ) {
    super(`${code}: ${detail}`);
    // Keeps `instanceof` and the prototype's members working even where TypeScript is compiled to ES5
    // (subclasses of Error lose their prototype there), e.g. a test runner with a different tsconfig.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'AgentError';
  }
}

/**
 * @param problems every invalid setting found, so the operator fixes them in one go
 * @returns a CONFIG_INVALID error listing them
 */
export function newConfigError(problems: readonly string[]): AgentError {
  return new AgentError(
    'CONFIG_INVALID',
    problems.join('; '),
    'run `scanner-agent --help` for the flags and environment variables',
  );
}

/**
 * @param code the error's code
 * @param detail what went wrong
 * @param hint how to fix it
 * @returns a new {@link AgentError}
 */
export function newAgentError(code: AgentErrorCode, detail: string, hint?: string): AgentError {
  return new AgentError(code, detail, hint);
}

/** @returns true if `err` is an {@link AgentError} (optionally with the given code) */
export function isAgentError(err: unknown, code?: AgentErrorCode): err is AgentError {
  return err instanceof AgentError && (code === undefined || err.code === code);
}
