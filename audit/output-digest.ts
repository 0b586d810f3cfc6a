import { type OutputValue, type ValueType, valueText } from "../policies/typed-values.ts";
import { canonicalJson } from "./canonical-json.ts";
import { type CryptoProfile, INTERNATIONAL } from "./crypto-profile.ts";

/**
 * The bytes of a released output as the gateway serves it as JSON: the canonical JSON
 * (`canonicalJson`) of the output value (an array of row objects, or whatever the script returned
 * under that name), UTF-8, no trailing newline. Receipts list the SHA-256 of exactly these bytes.
 *
 * The gateway must serve `GET /v1/jobs/{id}/outputs/{name}` (Accept: application/json) as these
 * bytes, not as `JSON.stringify(...)` of the value: key order would differ. Values JSON cannot carry
 * (bigint, NaN) are refused; convert them (e.g. HUGEINT to string) before both serving and hashing.
 *
 * @example
 * const body = outputBytes(rows); // serve this
 * const digests = outputDigests(rows, types, profile); // put these in the receipt
 */
export function outputBytes(output: unknown): Buffer {
  return Buffer.from(canonicalJson(output), "utf8");
}

/** The profile's digest (lowercase hex; SHA-256 or SM3) of `outputBytes(output)`. */
export function outputDigest(output: unknown, profile: CryptoProfile = INTERNATIONAL): string {
  return profile.digestHex(outputBytes(output));
}

/**
 * What a receipt and the `output.released` entry list for one output: the digests of its JSON and
 * of its CSV, under names that say the algorithm (`sha256`/`csvSha256`, or `sm3`/`csvSm3` in the
 * `sm` profile), so a verifier never has to guess which one made them.
 */
export type OutputDigests =
  | { readonly sha256: string; readonly csvSha256: string }
  | { readonly sm3: string; readonly csvSm3: string };

/** The digests of a tabular output as `OutputDigests` names them. */
export function outputDigests(
  rows: readonly Readonly<Record<string, OutputCell>>[],
  types: Readonly<Record<string, ValueType>> | undefined,
  profile: CryptoProfile,
): OutputDigests {
  const json = outputDigest(rows, profile);
  const csv = outputCsvDigest(rows, types, profile);
  return profile.digest === "sm3" ? { sm3: json, csvSm3: csv } : { sha256: json, csvSha256: csv };
}

/** One cell of a tabular output, as JSON carries it (a scalar, or a list as an array). */
export type OutputCell = OutputValue;

/** Column names in first-seen order across all rows (rows of one output may omit a column). */
function columnsOf(rows: readonly Readonly<Record<string, OutputCell>>[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row)) names.add(name);
  return [...names];
}

/** What a spreadsheet runs as a formula when a cell starts with it: =, +, -, @, tab, CR. */
const FORMULA_FIRST: ReadonlySet<number> = new Set([..."=+-@\t\r"].map((c) => c.charCodeAt(0)));

/** RFC 4180 quoting: a field holding a comma, quote or line break is quoted, quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV of a tabular output, as the gateway serves it (below any "#" comment lines) and as a
 * receipt's `csvSha256` hashes it: RFC 4180, CRLF line ends, a header of the column names in
 * first-seen order (one starting with "#" quoted), an empty field for null or a missing column.
 * Cells are in their JSON text forms: dates, timestamps and 64-bit integers beyond ±(2^53-1) as
 * the strings JSON carries, lists as their JSON (quoted, RFC 4180, since it holds commas).
 * Strings a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get a leading
 * apostrophe: a released output must not execute in the recipient's spreadsheet. The digits of an
 * int64 column (`types`) are a number, not a formula, and keep their sign.
 *
 * @example
 * outputCsv([{ district: "Xincheng", n: 1204 }]); // "district,n\r\nXincheng,1204\r\n"
 */
export function outputCsv(
  rows: readonly Readonly<Record<string, OutputCell>>[],
  types: Readonly<Record<string, ValueType>> = {},
): string {
  const columns = columnsOf(rows);
  const cell = (value: OutputCell | undefined, type: ValueType | undefined): string => {
    if (value === null || value === undefined) return "";
    // A finite number's JSON text is its String(): no quoting needed, no JSON.stringify per cell.
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
    if (typeof value !== "string") return csvField(valueText(value));
    if (type?.kind === "int64") return value;
    return csvField(FORMULA_FIRST.has(value.charCodeAt(0)) ? `'${value}` : value);
  };
  const columnTypes = columns.map((c) => types[c]);
  let text = `${columns.map(csvHeaderField).join(",")}\r\n`;
  for (const row of rows) {
    let line = "";
    for (let c = 0; c < columns.length; c++)
      line += `${c === 0 ? "" : ","}${cell(row[columns[c]!], columnTypes[c])}`;
    text += `${line}\r\n`;
  }
  return text;
}

/** A header cell: as any string, and quoted when it starts with "#", so only comment lines do. */
function csvHeaderField(name: string): string {
  const safe = /^[=+\-@\t\r]/.test(name) ? `'${name}` : name;
  return safe.startsWith("#") ? `"${safe.replaceAll('"', '""')}"` : csvField(safe);
}

/** The profile's digest of `outputCsv(rows, types)`: what a receipt lists as an output's `csvSha256` (or `csvSm3`). */
export function outputCsvDigest(
  rows: readonly Readonly<Record<string, OutputCell>>[],
  types: Readonly<Record<string, ValueType>> = {},
  profile: CryptoProfile = INTERNATIONAL,
): string {
  return profile.digestHex(Buffer.from(outputCsv(rows, types), "utf8"));
}

/** The form of an output file, from its first bytes. */
export type OutputFileFormat = "json" | "csv" | "arrow";

/** JSON, an Arrow IPC stream or file, or else CSV (what the gateway serves, by Accept). */
export function outputFileFormat(content: Uint8Array): OutputFileFormat {
  const head = Buffer.from(content.subarray(0, 8));
  // An IPC stream opens with the continuation marker 0xFFFFFFFF, an IPC file with "ARROW1".
  if (
    (head.length >= 4 && head.readUInt32LE(0) === 0xffffffff) ||
    head.subarray(0, 6).toString("latin1") === "ARROW1"
  )
    return "arrow";
  try {
    JSON.parse(Buffer.from(content).toString("utf8"));
    return "json";
  } catch {
    return "csv";
  }
}

/**
 * The hashes a CSV file may match as a receipt's `csvSha256` (`csvSm3`): its bytes after any leading comment
 * lines (starting with "#": the gateway's notes on noise accuracy), and the same cells re-written
 * as the gateway writes them (so a file whose line ends or byte-order mark an editor changed still
 * matches). Fields are compared as text: CSV has no types, so the digest is of the CSV itself.
 */
export function csvFileDigestCandidates(
  content: Uint8Array,
  profile: CryptoProfile = INTERNATIONAL,
): string[] {
  let text = Buffer.from(content).toString("utf8");
  if (text.startsWith("\ufeff")) text = text.slice(1);
  const candidates = new Set<string>();
  // A header whose first column name starts with "#" is not a comment: try each cut.
  for (let body = text; ; ) {
    candidates.add(profile.digestHex(Buffer.from(body, "utf8")));
    const rows = parseCsv(body);
    if (rows) {
      candidates.add(
        profile.digestHex(
          Buffer.from(
            rows.map((r, i) => `${r.map(i === 0 ? quoteComment : csvField).join(",")}\r\n`).join(""),
            "utf8",
          ),
        ),
      );
    }
    if (!body.startsWith("#")) break;
    const end = body.indexOf("\n");
    if (end < 0) break;
    body = body.slice(end + 1);
  }
  return [...candidates];
}

/** A parsed header cell written back: quoted when it starts with "#" (see `outputCsv`). */
function quoteComment(text: string): string {
  return text.startsWith("#") ? `"${text.replaceAll('"', '""')}"` : csvField(text);
}

/** RFC 4180 records (CRLF or LF line ends), or undefined when the text is not well-formed CSV. */
function parseCsv(text: string): string[][] | undefined {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"' && field === "") {
      let end = i + 1;
      for (;;) {
        const quote = text.indexOf('"', end);
        if (quote < 0) return undefined;
        if (text[quote + 1] === '"') {
          field += text.slice(end, quote + 1);
          end = quote + 2;
          continue;
        }
        field += text.slice(end, quote);
        i = quote + 1;
        break;
      }
      if (i < text.length && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") return undefined;
      continue;
    }
    const ch = text[i]!;
    if (ch === ",") {
      row.push(field);
      field = "";
      i++;
    } else if (ch === "\r" || ch === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * The hashes under which an output file may appear in a receipt. The served bytes hash directly; a
 * JSON file re-formatted since (pretty-printed, keys reordered) also yields the hash of its
 * canonical form, so the same content still matches. CSV and Arrow files have their own
 * candidates (`csvFileDigestCandidates`, `arrowFileCandidates` in receipt.ts).
 */
export function outputFileDigestCandidates(
  content: Uint8Array,
  profile: CryptoProfile = INTERNATIONAL,
): string[] {
  const direct = profile.digestHex(content);
  try {
    const canonical = profile.digestHex(
      Buffer.from(canonicalJson(JSON.parse(Buffer.from(content).toString("utf8"))), "utf8"),
    );
    return canonical === direct ? [direct] : [direct, canonical];
  } catch {
    return [direct];
  }
}
