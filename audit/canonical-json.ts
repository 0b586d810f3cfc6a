/**
 * Canonical JSON after RFC 8785 (JCS): object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings as ECMAScript's JSON.stringify writes them (which is what JCS prescribes).
 *
 * Hashes and signatures are computed over these bytes, so the same value must always give the
 * same text, on every machine and after any round trip through `JSON.parse`. That is why values
 * JSON cannot carry faithfully are refused instead of being coerced: `NaN`/`Infinity` (JSON.stringify
 * would write `null`), `bigint`, functions, symbols, and `undefined` inside arrays. An `undefined`
 * object property is left out, as JSON.stringify does, so optional fields can be passed as
 * `undefined`; a value with `toJSON` (a `Date`) is serialised through it.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null, "x"] }); // '{"a":[true,null,"x"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  const text = serialise(value);
  if (text === undefined) throw new TypeError("canonicalJson: the value itself is undefined");
  return text;
}

/** Canonical JSON as UTF-8 bytes: what gets hashed and signed. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), "utf8");
}

/**
 * Refusal of a value, with the path to it. The path is built only while the error unwinds, so
 * the common case (hashing every entry of a large log) pays nothing for it.
 */
class UnserialisableValue extends TypeError {
  constructor(
    readonly problem: string,
    readonly path: string,
  ) {
    super(`canonicalJson: $${path} ${problem}`);
  }

  under(segment: string): UnserialisableValue {
    return new UnserialisableValue(this.problem, `${segment}${this.path}`);
  }
}

function serialiseChild(value: unknown, segment: string): string | undefined {
  try {
    return serialise(value);
  } catch (error) {
    throw error instanceof UnserialisableValue ? error.under(segment) : error;
  }
}

function serialise(value: unknown): string | undefined {
  if (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  ) {
    return serialise((value as { toJSON: () => unknown }).toJSON());
  }
  switch (typeof value) {
    case "undefined":
      return undefined;
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new UnserialisableValue("is not a finite number", "");
      // JSON.stringify writes -0 as 0 and uses the shortest round-tripping form, as JCS requires.
      return JSON.stringify(value);
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        let out = "[";
        let shape: RowShape | undefined;
        for (let index = 0; index < value.length; index++) {
          const item: unknown = value[index];
          shape = rowShape(item, shape);
          const text =
            (shape && flatRow(item as Record<string, unknown>, shape)) ?? serialiseChild(item, `[${index}]`);
          if (text === undefined) throw new UnserialisableValue("is undefined", `[${index}]`);
          out += index === 0 ? text : `,${text}`;
        }
        return `${out}]`;
      }
      // Default sort compares UTF-16 code units, which is exactly JCS's key order.
      const keys = Object.keys(value).sort();
      let out = "{";
      for (const key of keys) {
        const text = serialiseChild((value as Record<string, unknown>)[key], `.${key}`);
        if (text === undefined) continue;
        out += `${out.length === 1 ? "" : ","}${JSON.stringify(key)}:${text}`;
      }
      return `${out}}`;
    }
    default:
      throw new UnserialisableValue(`is a ${typeof value}, which JSON cannot carry`, "");
  }
}

/**
 * The keys of the rows of a table (an array of objects with the same own keys in the same order),
 * in the order canonical JSON writes them and already quoted: sorted and quoted once per table,
 * not once per row, which is most of the work for an output of thousands of rows.
 */
interface RowShape {
  readonly keys: readonly string[];
  readonly written: readonly { readonly key: string; readonly quoted: string }[];
}

/** `item`'s shape: `previous` when its own keys are the same, a new one for a plain object, else undefined. */
function rowShape(item: unknown, previous: RowShape | undefined): RowShape | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  if (typeof (item as { toJSON?: unknown }).toJSON === "function") return undefined;
  const keys = Object.keys(item);
  if (previous && keys.length === previous.keys.length && keys.every((key, i) => key === previous.keys[i]))
    return previous;
  return { keys, written: [...keys].sort().map((key) => ({ key, quoted: `${JSON.stringify(key)}:` })) };
}

/** A row whose values are all scalars JSON carries, written as `serialise` would; undefined for any other. */
function flatRow(row: Record<string, unknown>, shape: RowShape): string | undefined {
  let out = "{";
  for (const { key, quoted } of shape.written) {
    const value = row[key];
    let text: string;
    if (typeof value === "string") text = JSON.stringify(value);
    else if (typeof value === "number" && Number.isFinite(value)) text = JSON.stringify(value);
    else if (typeof value === "boolean") text = value ? "true" : "false";
    else if (value === null) text = "null";
    // Anything else (undefined, nested values, what must be refused) takes the general path.
    else return undefined;
    out += out.length === 1 ? `${quoted}${text}` : `,${quoted}${text}`;
  }
  return `${out}}`;
}
