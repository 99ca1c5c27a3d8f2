/** Shared assertion for the domain tests: a call fails with a ChaincodeError whose message starts with its stable code. */
import type { Test } from 'tap';
import { ChaincodeError, type ErrorCode } from '@hainan/ledger-model';

/** Asserts `fn` throws a ChaincodeError with `code`; returns the message (empty when it did not throw). */
export function throwsCode(t: Test, fn: () => unknown, code: ErrorCode, label?: string): string {
  try {
    fn();
    t.fail(`expected ${code}${label === undefined ? '' : ` for ${label}`}`);
    return '';
  } catch (error) {
    t.ok(error instanceof ChaincodeError, `${label ?? code}: a ChaincodeError`);
    t.equal((error as ChaincodeError).code, code, label ?? code);
    t.ok((error as Error).message.startsWith(`${code}: `), `${label ?? code}: message starts with the code`);
    return (error as Error).message;
  }
}
