/**
 * The request validator: ajv 8 with formats and the `uscc` format (credit code with its check character), reporting
 * all errors at once so that a client fixes a request in one round trip. Bodies are strict JSON (no type coercion);
 * path, query and header values are strings on the wire and are coerced to their schema types.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { isValidUscc } from './domain/uscc';

function newAjv(coerceTypes: boolean | 'array'): Ajv {
  // allErrors is safe here: every string in the schemas has a maxLength and bodies are bounded by bodyLimit.
  const ajv = new Ajv({ allErrors: true, coerceTypes, useDefaults: true, removeAdditional: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('uscc', { type: 'string', validate: isValidUscc });
  return ajv;
}

/**
 * Create the validator compiler for `fastify.setValidatorCompiler`.
 *
 * @returns The compiler.
 */
export function newValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = newAjv(false);
  const parameterAjv = newAjv('array');
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : parameterAjv;
    const validate: ValidateFunction = ajv.compile(schema as object);
    return (data: unknown) =>
      validate(data)
        ? { value: data }
        : { error: Object.assign(new Error('validation failed'), { validation: validate.errors ?? [] }) };
  };
}
