/**
 * Who may register what, as fabric-ca 1.5 decides it (lib/serverrequestcontext.go `canActOnType`,
 * lib/attr/attribute.go `CanRegisterRequestedAttributes`): the registrar's `hf.Registrar.Roles` lists the
 * identity types it may register (`*` for any), `hf.Registrar.Attributes` the attribute names (a trailing `*`
 * matches a prefix), and the reserved `hf.*` attributes follow their own rules (booleans and lists need the
 * registrar to own them; `hf.EnrollmentID`, `hf.Type`, `hf.Affiliation` are fixed and cannot be requested).
 * Pure functions: each returns the reason fabric-ca would give, or undefined when allowed.
 */
import type { CaAttribute } from './ca-store';

const BOOLEAN_ATTRS = new Set(['hf.Revoker', 'hf.IntermediateCA', 'hf.GenCRL', 'hf.AffiliationMgr']);
const LIST_ATTRS = new Set(['hf.Registrar.Roles', 'hf.Registrar.DelegateRoles', 'hf.Registrar.Attributes']);
const FIXED_ATTRS = new Set(['hf.EnrollmentID', 'hf.Type', 'hf.Affiliation']);

/** Splits a comma-separated list the way fabric-ca's `util.GetSliceFromList` does (trimmed, no empties). */
export function listValues(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function attr(attrs: readonly CaAttribute[], name: string): CaAttribute | undefined {
  return attrs.find((a) => a.name === name);
}

/** Go's strconv.ParseBool. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** True when the identity has `name` set to a true boolean (`ca.attributeIsTrue`). */
export function attributeIsTrue(attrs: readonly CaAttribute[], name: string): boolean {
  const a = attr(attrs, name);
  return a !== undefined && parseGoBool(a.value) === true;
}

/** Whether a registrar with `registrarAttrs` may act on identities of `type` (`canActOnType`). */
export function checkCanActOnType(
  registrarName: string,
  registrarAttrs: readonly CaAttribute[],
  type: string,
): string | undefined {
  const roles = attr(registrarAttrs, 'hf.Registrar.Roles');
  if (!roles) return `'${registrarName}' is not a registrar`;
  if (roles.value === '') return `'${registrarName}' is not allowed to manage users`;
  const types = roles.value.split(',');
  if (types.some((t) => t.trim() === '*')) return undefined;
  const wanted = type === '' ? 'client' : type;
  if (!types.some((t) => t.toLowerCase() === wanted.toLowerCase())) {
    return `Registrar does not have authority to act on type '${wanted}'`;
  }
  return undefined;
}

function canRegisterAttrName(name: string, allowed: string[]): string | undefined {
  for (const a of allowed) {
    if (a.endsWith('*') ? name.startsWith(a.replace(/\*+$/, '')) : name === a) return undefined;
  }
  return `Attribute is not part of caller's '[${allowed.join(' ')}]' attribute list`;
}

function isSubsetOf(small: string, big: string): string | undefined {
  const bigSet = big.split(',').map((s) => s.toLowerCase());
  for (const s of small.split(',')) {
    if (s !== '' && !bigSet.includes(s.toLowerCase())) return `'${s}' is not a member of '${big}'`;
  }
  return undefined;
}

/**
 * Whether a registrar may register `requested` attributes for a new identity (`CanRegisterRequestedAttributes`
 * with no existing user).
 */
export function checkCanRegisterAttributes(
  requested: readonly CaAttribute[],
  registrarAttrs: readonly CaAttribute[],
): string | undefined {
  for (const req of requested) {
    const registrarList = attr(registrarAttrs, 'hf.Registrar.Attributes');
    if (!registrarList)
      return `Failed to get attribute 'hf.Registrar.Attributes': User does not have attribute 'hf.Registrar.Attributes'`;
    if (registrarList.value === '')
      return `Registrar does not have any values for 'hf.Registrar.Attributes' thus can't register any attributes`;
    const allowed = listValues(registrarList.value);
    const nameRefusal = canRegisterAttrName(req.name, allowed);
    if (nameRefusal) return nameRefusal;
    const refusal = checkReservedAttribute(req, requested, registrarAttrs, allowed);
    if (refusal) return `Registrar is not authorized to register attribute: ${refusal}`;
  }
  return undefined;
}

function checkReservedAttribute(
  req: CaAttribute,
  all: readonly CaAttribute[],
  registrarAttrs: readonly CaAttribute[],
  allowed: string[],
): string | undefined {
  if (FIXED_ATTRS.has(req.name)) return `Cannot register fixed value attribute '${req.name}'`;
  const isBoolean = BOOLEAN_ATTRS.has(req.name);
  const isList = LIST_ATTRS.has(req.name);
  if (!isBoolean && !isList) {
    return req.name.startsWith('hf.')
      ? `Registering attribute '${req.name}' using a reserved prefix 'hf.', however this not a supported reserved attribute`
      : undefined;
  }
  const owned = attr(registrarAttrs, req.name);
  if (!owned)
    return `Attribute '${req.name}' requires ownership but the caller does not own this attribute: User does not have attribute '${req.name}'`;
  if (isBoolean) {
    if (parseGoBool(owned.value) !== true)
      return `Caller has a value of 'false' for boolean attribute '${req.name}', can't perform any actions on this attribute`;
    if (req.value !== '' && parseGoBool(req.value) === undefined)
      return `Failed to get boolean value of '${req.value}'`;
    return undefined;
  }
  if (req.value === '') return undefined;
  if (req.name === 'hf.Registrar.Attributes') {
    for (const v of listValues(req.value)) {
      const refusal = canRegisterAttrName(v, allowed);
      if (refusal) return refusal;
      if (v.startsWith('hf.') && !all.some((a) => a.name === v)) {
        return `Requesting value of '${v}' for 'hf.Registrar.Attributes', but the identity being registered is not being registered with this attribute`;
      }
    }
    return undefined;
  }
  const isRoles = req.name === 'hf.Registrar.Roles' || req.name === 'hf.Registrar.DelegateRoles';
  if (!(isRoles && owned.value.split(',').includes('*'))) {
    const refusal = isSubsetOf(req.value, owned.value);
    if (refusal)
      return `The requested values for attribute '${req.name}' is a superset of the caller's attribute value: ${refusal}`;
  }
  if (req.name === 'hf.Registrar.DelegateRoles') {
    const roles = all.find((a) => a.name === 'hf.Registrar.Roles')?.value ?? '';
    if (!roles.split(',').includes('*') && isSubsetOf(req.value, roles))
      return 'The delegateRoles field is a superset of roles';
  }
  return undefined;
}
