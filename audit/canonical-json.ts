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
  const text = serialise(value, "$");
  if (text === undefined) throw new TypeError("canonicalJson: the value itself is undefined");
  return text;
}

/** Canonical JSON as UTF-8 bytes: what gets hashed and signed. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), "utf8");
}

function serialise(value: unknown, path: string): string | undefined {
  if (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  ) {
    return serialise((value as { toJSON: () => unknown }).toJSON(), path);
  }
  switch (typeof value) {
    case "undefined":
      return undefined;
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is not a finite number`);
      // JSON.stringify writes -0 as 0 and uses the shortest round-tripping form, as JCS requires.
      return JSON.stringify(value);
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        const items = value.map((item, index) => {
          const text = serialise(item, `${path}[${index}]`);
          if (text === undefined) throw new TypeError(`canonicalJson: ${path}[${index}] is undefined`);
          return text;
        });
        return `[${items.join(",")}]`;
      }
      // Default sort compares UTF-16 code units, which is exactly JCS's key order.
      const keys = Object.keys(value).sort();
      const members: string[] = [];
      for (const key of keys) {
        const text = serialise((value as Record<string, unknown>)[key], `${path}.${key}`);
        if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${members.join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot carry`);
  }
}
