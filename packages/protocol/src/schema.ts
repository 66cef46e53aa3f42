/**
 * A small schema kit: each schema validates unknown input strictly (unknown object keys are
 * rejected) and describes itself as JSON Schema, so one definition serves the validator at every
 * boundary, the TypeScript type and the OpenAPI document. Zero dependencies because the agent,
 * which runs beside hostile code, imports it.
 */

export type JsonSchema = { [key: string]: unknown };

export interface Issue {
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issue: Issue };

export interface Schema<T> {
  readonly json: JsonSchema;
  readonly optional: boolean;
  readonly check: (input: unknown, path: string) => Parsed<T>;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (path: string, message: string): Parsed<never> => ({
  ok: false,
  issue: { path, message },
});

function make<T>(json: JsonSchema, check: Schema<T>['check']): Schema<T> {
  return { json, optional: false, check };
}

export interface StringRules {
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** Human wording of the pattern, used in the error message. */
  patternHint?: string;
  description?: string;
}

export function string(rules: StringRules = {}): Schema<string> {
  const { minLength = 0, maxLength = 1 << 20, pattern, patternHint, description } = rules;
  const json: JsonSchema = { type: 'string', minLength, maxLength };
  if (pattern) json['pattern'] = pattern.source;
  if (description) json['description'] = description;
  return make(json, (v, path) => {
    if (typeof v !== 'string') return fail(path, 'must be a string');
    if (v.length < minLength) return fail(path, `must be at least ${minLength} characters`);
    if (v.length > maxLength) return fail(path, `must be at most ${maxLength} characters`);
    if (v.includes('\0')) return fail(path, 'must not contain NUL bytes');
    if (pattern && !pattern.test(v)) return fail(path, `must be ${patternHint ?? pattern.source}`);
    return ok(v);
  });
}

export interface IntRules {
  min: number;
  max: number;
  description?: string;
}

export function int(rules: IntRules): Schema<number> {
  const json: JsonSchema = { type: 'integer', minimum: rules.min, maximum: rules.max };
  if (rules.description) json['description'] = rules.description;
  return make(json, (v, path) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return fail(path, 'must be an integer');
    if (v < rules.min || v > rules.max) {
      return fail(path, `must be between ${rules.min} and ${rules.max}`);
    }
    return ok(v);
  });
}

export function boolean(): Schema<boolean> {
  return make({ type: 'boolean' }, (v, path) =>
    typeof v === 'boolean' ? ok(v) : fail(path, 'must be true or false'),
  );
}

export function literal<const T extends readonly string[]>(...values: T): Schema<T[number]> {
  return make({ type: 'string', enum: [...values] }, (v, path) =>
    typeof v === 'string' && values.includes(v)
      ? ok(v as T[number])
      : fail(path, `must be one of ${values.map((x) => `'${x}'`).join(', ')}`),
  );
}

export function array<T>(item: Schema<T>, rules: { min?: number; max: number }): Schema<T[]> {
  const min = rules.min ?? 0;
  const json = { type: 'array', items: item.json, minItems: min, maxItems: rules.max };
  return make(json, (v, path) => {
    if (!Array.isArray(v)) return fail(path, 'must be an array');
    if (v.length < min || v.length > rules.max) {
      return fail(path, `must have between ${min} and ${rules.max} items`);
    }
    const out: T[] = [];
    for (const [i, el] of v.entries()) {
      const r = item.check(el, `${path}[${i}]`);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out);
  });
}

export function record<T>(
  key: Schema<string>,
  value: Schema<T>,
  rules: { max: number },
): Schema<Record<string, T>> {
  const json = {
    type: 'object',
    propertyNames: key.json,
    additionalProperties: value.json,
    maxProperties: rules.max,
  };
  return make(json, (v, path) => {
    if (!isPlainObject(v)) return fail(path, 'must be an object');
    const entries = Object.entries(v);
    if (entries.length > rules.max) return fail(path, `must have at most ${rules.max} entries`);
    const out: Record<string, T> = Object.create(null) as Record<string, T>;
    for (const [k, el] of entries) {
      const rk = key.check(k, `${path} key '${k.slice(0, 64)}'`);
      if (!rk.ok) return rk;
      const rv = value.check(el, `${path}.${k}`);
      if (!rv.ok) return rv;
      out[k] = rv.value;
    }
    return ok(out);
  });
}

export function union<A, B>(a: Schema<A>, b: Schema<B>, message: string): Schema<A | B> {
  return make<A | B>({ oneOf: [a.json, b.json] }, (v, path) => {
    const ra = a.check(v, path);
    if (ra.ok) return ra;
    const rb = b.check(v, path);
    if (rb.ok) return rb;
    return fail(path, message);
  });
}

export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true;
}

/** An object field that may be absent (or null, which reads as absent). */
/**
 * One of several object shapes told apart by a string field (`type`), e.g. stream events. Each
 * variant schema should declare that field as a literal.
 */
export function tagged<const M extends Record<string, Schema<object>>>(
  tag: string,
  variants: M,
): Schema<Infer<M[keyof M]>> {
  const json = {
    oneOf: Object.values(variants).map((v) => v.json),
    discriminator: { propertyName: tag },
  };
  return make(json, (v, path) => {
    const t = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[tag] : undefined;
    const variant =
      typeof t === 'string' && Object.prototype.hasOwnProperty.call(variants, t)
        ? variants[t]
        : undefined;
    if (!variant)
      return fail(
        join(path, tag),
        `must be one of ${Object.keys(variants)
          .map((k) => `'${k}'`)
          .join(', ')}`,
      );
    return variant.check(v, path) as Parsed<Infer<M[keyof M]>>;
  });
}

export function optional<T>(inner: Schema<T>): OptionalSchema<T> {
  return { json: inner.json, optional: true, check: inner.check };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K]['optional'] extends true ? K : never;
}[keyof S];
type ObjectOf<S extends Shape> = {
  [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]>;
} & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> };
type Flatten<T> = { [K in keyof T]: T[K] };

/** A strict object: unknown keys are an error, so a typo in an option never passes silently. */
export function object<S extends Shape>(
  shape: S,
  description?: string,
): Schema<Flatten<ObjectOf<S>>> {
  const required = Object.keys(shape).filter((k) => !shape[k]?.optional);
  const properties = Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, s.json]));
  const json: JsonSchema = { type: 'object', properties, required, additionalProperties: false };
  if (description) json['description'] = description;
  return make(json, (v, path) => {
    if (!isPlainObject(v)) return fail(path, 'must be a JSON object');
    for (const k of Object.keys(v)) {
      if (!Object.prototype.hasOwnProperty.call(shape, k))
        return fail(join(path, k), 'is not a known field');
    }
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(shape)) {
      const el = v[k];
      if (el === undefined || el === null) {
        if (s.optional) continue;
        return fail(join(path, k), 'is required');
      }
      const r = s.check(el, join(path, k));
      if (!r.ok) return r;
      out[k] = r.value;
    }
    return ok(out as Flatten<ObjectOf<S>>);
  });
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validate, returning the value or the first issue found. */
export function parse<T>(schema: Schema<T>, input: unknown, path = ''): Parsed<T> {
  return schema.check(input, path);
}
