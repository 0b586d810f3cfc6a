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
        for (let index = 0; index < value.length; index++) {
          const text = serialiseChild(value[index], `[${index}]`);
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
