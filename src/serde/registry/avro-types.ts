/**
 * The TypeScript type of the values an Avro schema describes, computed from the schema literal, so that
 * `avro(registry, { schema: { type: 'record', name: 'Click', fields: [...] } })` is a Serde of the right shape
 * without writing the type twice (the `const` type parameter of `avro` keeps the literal's types).
 *
 * Mapped as avsc reads and writes them: null → null, boolean → boolean, int/long/float/double → number,
 * bytes/fixed → Buffer, string → string, enum → the union of its symbols, array → T[], map → Record<string, T>,
 * record → an object with one key per field, union → the union of its branches (avsc unwraps unions whose
 * branches are of different kinds, such as null and one other type; for unions of several records, which avsc
 * wraps, pass the value type yourself: `avro<MyType>(...)`). A reference to a named type defined elsewhere, and
 * any schema that is not a literal (e.g. read from a file), give `unknown`.
 */

export type AvroPrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

/** Any Avro schema in its JSON form (or its JSON text). */
export type AvroSchemaDefinition = string | readonly AvroSchemaDefinition[] | { readonly type: unknown; readonly [key: string]: unknown };

interface AvroFieldDefinition {
  readonly name: string;
  readonly type: unknown;
}

type Primitive<P> = P extends 'null'
  ? null
  : P extends 'boolean'
    ? boolean
    : P extends 'int' | 'long' | 'float' | 'double'
      ? number
      : P extends 'bytes'
        ? Buffer
        : P extends 'string'
          ? string
          : unknown;

/** The value type of Avro schema S (see the file comment); `unknown` when S is not a schema literal. */
export type InferAvro<S> = S extends AvroPrimitiveName
  ? Primitive<S>
  : S extends string
    ? unknown
    : S extends readonly unknown[]
      ? InferAvro<S[number]>
      : S extends { readonly type: 'record' | 'error'; readonly fields: infer F extends readonly AvroFieldDefinition[] }
        ? { -readonly [Field in F[number] as Field['name']]: InferAvro<Field['type']> }
        : S extends { readonly type: 'enum'; readonly symbols: infer Symbols extends readonly string[] }
          ? Symbols[number]
          : S extends { readonly type: 'array'; readonly items: infer Items }
            ? InferAvro<Items>[]
            : S extends { readonly type: 'map'; readonly values: infer Values }
              ? Record<string, InferAvro<Values>>
              : S extends { readonly type: 'fixed' }
                ? Buffer
                : S extends { readonly type: infer P extends AvroPrimitiveName }
                  ? Primitive<P>
                  : unknown;

/** The value type of an avro serde: T when given explicitly, else inferred from the schema literal S. */
export type AvroValue<T, S> = [T] extends [never] ? (AvroSchemaDefinition extends S ? unknown : InferAvro<S>) : T;
