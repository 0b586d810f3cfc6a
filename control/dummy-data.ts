import {
  isLuhnValid,
  organizationCodeCheckChar,
  residentIdCheckDigit,
  usccCheckChar,
} from "../policies/identifiers.ts";
import type { ColumnManifest, DatasetManifest } from "../policies/manifest.ts";

/**
 * Synthetic rows for developing scripts before they touch real data. Everything comes from the
 * manifest (types, declared values, bounds and date ranges, identifier formats, and each column's
 * bureau-approved dummy shape: categories, range, pattern, null rate, distribution) and a seeded
 * generator: no real row is ever read, so dummy data can be handed to any role.
 *
 * Identifiers are format-valid (check digits hold) but can never be real: resident ID numbers and
 * credit codes use the division code 990000, which no real or demo record carries, phone numbers a
 * reserved-looking 199000 block and bank cards the 999999 issuer prefix. Keys of the privacy unit
 * are drawn from one shared key space per identifier kind, so dummy tables join like real ones do
 * (population.person_id ↔ medical_visits.person_id, enterprises.uscc ↔ electricity_usage.uscc).
 */

/** One dummy cell: what a JSON or CSV answer carries (dates as ISO strings). */
export type DummyCell = string | number | boolean | null;
export type DummyRow = Record<string, DummyCell>;

/** Largest number of rows one request may ask for. */
export const MAX_DUMMY_ROWS = 10_000;

/** The division code of every dummy identifier: not a GB/T 2260 province, so never a real record's. */
export const DUMMY_DIVISION_CODE = "990000";

export interface DummyOptions {
  readonly rows: number;
  /** Same seed (and dataset), same rows; default 0. */
  readonly seed?: number;
}

/**
 * Small fast PRNG (mulberry32): reproducible dummy data (and a benchmark's or test's reproducible
 * choices), no cryptographic claim.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const DAY_MS = 86_400_000;

/** A resident ID number for dummy key `n`: division 990000, a birth date, an order number, a valid check digit. */
export function dummyResidentId(n: number): string {
  const birth = new Date(Date.UTC(1950, 0, 1) + (n % 20_000) * DAY_MS);
  const ymd = birth.toISOString().slice(0, 10).replaceAll("-", "");
  const order = String(Math.floor(n / 20_000) % 1000).padStart(3, "0");
  const first17 = `${DUMMY_DIVISION_CODE}${ymd}${order}`;
  return `${first17}${residentIdCheckDigit(first17)}`;
}

/** A unified social credit code for dummy key `n`: division 990000, valid GB 11714 and GB 32100 characters. */
export function dummyUscc(n: number): string {
  const org8 = String(n % 100_000_000).padStart(8, "0");
  const first17 = `91${DUMMY_DIVISION_CODE}${org8}${organizationCodeCheckChar(org8)}`;
  return `${first17}${usccCheckChar(first17)}`;
}

function dummyBankCard(n: number): string {
  const body = `999999${String(n).padStart(12, "0")}`;
  for (let d = 0; d < 10; d++) if (isLuhnValid(`${body}${d}`)) return `${body}${d}`;
  throw new Error("unreachable: one Luhn digit always exists");
}

/** Synthetic record numbers start here: far above any real key the demo domain hands out. */
const DUMMY_RECORD_BASE = 900_000_000;

/** The value of identifier `column` for dummy key `n` (the same key gives the same value in every table). */
function identifierValue(column: ColumnManifest, n: number): DummyCell {
  switch (column.identifier) {
    case "resident_id":
      return dummyResidentId(n);
    case "uscc":
      return dummyUscc(n);
    case "person_name":
      return `虚拟居民${n} (dummy resident ${n})`;
    case "organization_name":
      return `示例企业${n}有限公司 (Dummy Enterprise ${n} Co.)`;
    case "phone":
      return `199000${String(n % 100_000).padStart(5, "0")}`;
    case "bank_card":
      return dummyBankCard(n);
    default:
      return /^VARCHAR/.test(column.type) ? `DUMMY-${DUMMY_RECORD_BASE + n}` : DUMMY_RECORD_BASE + n;
  }
}

const INTEGER_TYPES = /^(SMALLINT|INTEGER|BIGINT)$/;
const DECIMAL = /^DECIMAL\((\d+),(\d+)\)$/;

/** Skewed categorical draw: earlier declared values are more common, as in most code lists. */
function pickSkewed(values: readonly string[], random: () => number): string {
  const weights = values.map((_, i) => 1 / (1 + 0.35 * i));
  let r = random() * weights.reduce((a, b) => a + b, 0);
  for (const [i, w] of weights.entries()) {
    r -= w;
    if (r <= 0) return values[i]!;
  }
  return values[values.length - 1]!;
}

/** A categorical draw: skewed towards the first values unless the dummy shape asks for uniform. */
function pick(column: ColumnManifest, values: readonly string[], random: () => number): string {
  if (column.dummy?.distribution !== "uniform") return pickSkewed(values, random);
  return values[Math.min(values.length - 1, Math.floor(random() * values.length))]!;
}

/**
 * A number inside the dummy range (else the bounds): skewed draws are heavy-tailed towards the low
 * end; without a stated distribution, magnitudes that start at 0 (income, capital, kWh) are skewed
 * and the rest uniform.
 */
function numberIn(column: ColumnManifest, random: () => number): number {
  const { min, max } = column.dummy?.range ?? column.bounds ?? { min: 0, max: 1000 };
  const u = random();
  const stated = column.dummy?.distribution;
  const skewed = stated === undefined ? min === 0 && max > 1000 : stated === "skewed";
  const raw = min + (max - min) * (skewed ? u ** 6 : u);
  if (INTEGER_TYPES.test(column.type)) return Math.min(max, Math.max(min, Math.round(raw)));
  const decimal = DECIMAL.exec(column.type);
  const scale = decimal ? Number(decimal[2]) : 3;
  return Number(raw.toFixed(scale));
}

const UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER = "abcdefghijkmnpqrstuvwxyz";

/** A string of the dummy pattern's shape: `9` a digit, `A`/`a` a letter, anything else as written. */
function fromPattern(pattern: string, random: () => number): string {
  let text = "";
  for (const ch of pattern) {
    if (ch === "9") text += String(Math.floor(random() * 10));
    else if (ch === "A") text += UPPER[Math.floor(random() * UPPER.length)];
    else if (ch === "a") text += LOWER[Math.floor(random() * LOWER.length)];
    else text += ch;
  }
  return text;
}

function dateIn(column: ColumnManifest, random: () => number): string {
  const from = Date.parse(column.dateRange?.from ?? "2020-01-01");
  const to = Date.parse(column.dateRange?.to ?? "2025-12-31");
  const day = from + Math.floor(random() * ((to - from) / DAY_MS + 1)) * DAY_MS;
  if (column.type === "DATE") return new Date(day).toISOString().slice(0, 10);
  const hour = Math.floor(random() * 24);
  return `${new Date(day + hour * 3_600_000).toISOString().slice(0, 13).replace("T", " ")}:00:00`;
}

/**
 * How many distinct units a table of `rows` rows spreads over: tables with several rows per unit
 * (visits, months, records) reuse keys, so dummy data has the same "many rows per unit" shape.
 */
function unitPool(manifest: DatasetManifest, rows: number): number {
  const perUnit = manifest.maxContributionsPerUnit ?? 1;
  return perUnit <= 1 ? rows : Math.max(1, Math.ceil(rows / Math.min(perUnit, 4)));
}

/**
 * Synthetic rows of a dataset, from its manifest only.
 *
 * @example
 * const rows = dummyRows(population, { rows: 100 });
 * // [{ person_id: 900000000, id_number: "990000195001010003", gender: "male", … }, …]
 */
export function dummyRows(manifest: DatasetManifest, options: DummyOptions): DummyRow[] {
  const count = Math.max(0, Math.min(MAX_DUMMY_ROWS, Math.floor(options.rows)));
  const random = mulberry32((options.seed ?? 0) ^ hashSeed(manifest.name));
  const pool = unitPool(manifest, count);
  const rows: DummyRow[] = [];
  for (let i = 0; i < count; i++) {
    // The privacy unit's key: row i for one-row-per-unit tables, a draw from the shared pool otherwise.
    const unit = pool === count ? i : Math.floor(random() * pool);
    const row: DummyRow = {};
    for (const column of manifest.columns) {
      const dummy = column.dummy;
      const values = dummy?.values ?? column.values;
      // Nulls only where the bureau approved a null rate: a draw is taken only then, so manifests
      // without dummy shapes give the rows they always gave.
      if (dummy?.nullRate !== undefined && dummy.nullRate > 0 && random() < dummy.nullRate) {
        row[column.name] = null;
      } else if (column.identifier) {
        const key = column.name === manifest.privacyUnit ? unit : i;
        row[column.name] = identifierValue(column, key);
      } else if (values) row[column.name] = pick(column, values, random);
      else if (column.type === "BOOLEAN") row[column.name] = random() < 0.5;
      else if (column.type === "DATE" || column.type === "TIMESTAMP")
        row[column.name] = dateIn(column, random);
      else if (column.type === "VARCHAR")
        row[column.name] =
          dummy?.pattern !== undefined
            ? fromPattern(dummy.pattern, random)
            : `${column.name}_${1 + Math.floor(random() * 20)}`;
      else row[column.name] = numberIn(column, random);
    }
    rows.push(row);
  }
  return rows;
}

function sqlLiteral(value: DummyCell, type: string): string {
  if (value === null) return "NULL";
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'::${type}`;
  return `${String(value)}::${type}`;
}

/**
 * SQL that creates each dataset's table with the manifest's column types and fills it with dummy
 * rows: what the local run loads into its in-memory database (and tests into a test domain).
 *
 * @example
 * for (const statement of dummyDomainStatements(DEMO_MANIFESTS, { rows: 2000 })) await connection.run(statement);
 */
export function dummyDomainStatements(
  manifests: readonly DatasetManifest[],
  options: DummyOptions,
): string[] {
  const statements: string[] = [];
  for (const manifest of manifests) {
    // Names come from validated manifests (lower snake_case), so quoting them is enough.
    const columns = manifest.columns.map((c) => `"${c.name}" ${c.type}`).join(", ");
    statements.push(`CREATE OR REPLACE TABLE "${manifest.name}" (${columns})`);
    const rows = dummyRows(manifest, options);
    for (let start = 0; start < rows.length; start += 500) {
      const values = rows
        .slice(start, start + 500)
        .map((row) => `(${manifest.columns.map((c) => sqlLiteral(row[c.name] ?? null, c.type)).join(", ")})`);
      statements.push(`INSERT INTO "${manifest.name}" VALUES ${values.join(", ")}`);
    }
  }
  return statements;
}
