import { z } from "zod";
import { DEFAULT_MIN_GROUP_SIZE } from "./license.ts";
import { type ColumnManifest, type ColumnRule, type DatasetManifest, ruleTightens } from "./manifest.ts";

/**
 * One difference between two documents (two manifests, two tariffs). `path` names the field
 * (`grade`, `holder.department`, `columns.annual_income.rule`); `column` is set when the change is
 * about one column, which is keyed by name so that reordering columns is no change.
 */
export const PolicyChange = z.object({
  kind: z.enum(["added", "removed", "changed"]),
  path: z.string(),
  column: z.string().optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export type PolicyChange = z.infer<typeof PolicyChange>;

/**
 * What one change does to the protection of the data: `tightens` (provably no use is admitted
 * that was not before), `neutral` (descriptive only: titles, meanings, dummy-data ranges) or
 * `loosens` (anything else: deny by default).
 */
export const ChangeEffect = z.enum(["tightens", "neutral", "loosens"]);
export type ChangeEffect = z.infer<typeof ChangeEffect>;

export const ClassifiedChange = PolicyChange.extend({
  effect: ChangeEffect,
  /** The change in one readable line, e.g. `grade: 3 → 1 (loosens)`. */
  line: z.string(),
});
export type ClassifiedChange = z.infer<typeof ClassifiedChange>;

/** A whole diff, classified: it loosens when any one change does. */
export const ChangeClassification = z.object({
  loosens: z.boolean(),
  changes: z.array(ClassifiedChange),
});
export type ChangeClassification = z.infer<typeof ChangeClassification>;

/**
 * The structured differences from manifest `from` to manifest `to`, in a stable order: dataset
 * fields first, then columns in `to`'s order, then removed columns.
 */
export function diffManifests(from: DatasetManifest, to: DatasetManifest): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const { columns: fromColumns, ...fromRest } = from;
  const { columns: toColumns, ...toRest } = to;
  diffValues(fromRest, toRest, [], undefined, changes);
  const before = new Map(fromColumns.map((c) => [c.name, c]));
  const after = new Set(toColumns.map((c) => c.name));
  for (const column of toColumns) {
    const old = before.get(column.name);
    if (!old)
      changes.push({ kind: "added", path: `columns.${column.name}`, column: column.name, after: column });
    else diffValues(old, column, ["columns", column.name], column.name, changes);
  }
  for (const column of fromColumns) {
    if (!after.has(column.name)) {
      changes.push({ kind: "removed", path: `columns.${column.name}`, column: column.name, before: column });
    }
  }
  return changes;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Field-by-field differences of two JSON values; arrays and scalars compare as whole values. */
export function diffValues(
  a: unknown,
  b: unknown,
  path: readonly string[],
  column: string | undefined,
  out: PolicyChange[],
): void {
  const at = (kind: PolicyChange["kind"], p: readonly string[], extra: Partial<PolicyChange>) =>
    out.push({ kind, path: p.join("."), ...(column === undefined ? {} : { column }), ...extra });
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const [x, y] = [a[key], b[key]];
      if (x === undefined && y !== undefined) at("added", [...path, key], { after: y });
      else if (x !== undefined && y === undefined) at("removed", [...path, key], { before: x });
      else diffValues(x, y, [...path, key], column, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) at("changed", path, { before: a, after: b });
}

/** Fields that only describe: they change nothing the gate enforces. */
const DESCRIPTIVE = new Set([
  "title",
  "description",
  "updateFrequency",
  "holder.contact",
  "coverage",
  "coverage.from",
  "coverage.to",
]);
const DESCRIPTIVE_COLUMN_FIELDS = new Set(["meaning", "unit", "dateRange", "dateRange.from", "dateRange.to"]);

const number = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const notLower = (before: unknown, after: unknown): boolean => {
  const [a, b] = [number(before), number(after)];
  return a !== undefined && b !== undefined && b >= a;
};
const notHigher = (before: unknown, after: unknown): boolean => {
  const [a, b] = [number(before), number(after)];
  return a !== undefined && b !== undefined && b <= a;
};
const verdict = (tightens: boolean): ChangeEffect => (tightens ? "tightens" : "loosens");

/** The effect of one manifest change, read with both manifests (defaults depend on the grade). */
function manifestChangeEffect(
  change: PolicyChange,
  from: DatasetManifest,
  to: DatasetManifest,
): ChangeEffect {
  const { kind, path, column } = change;
  if (DESCRIPTIVE.has(path)) return "neutral";
  if (column !== undefined) {
    const field = path.slice(`columns.${column}.`.length);
    if (path === `columns.${column}`) {
      // A new column no rule admits exposes nothing; a column gone admits nothing any more.
      if (kind === "removed") return "tightens";
      return kind === "added" && (change.after as ColumnManifest).rule === "deny" ? "neutral" : "loosens";
    }
    if (DESCRIPTIVE_COLUMN_FIELDS.has(field)) return "neutral";
    if (field === "dummy" || field.startsWith("dummy.")) {
      // A dummy shape publishes coarse facts about the data to every role: adding or changing one
      // needs a second officer; dropping one falls back to what the manifest already publishes.
      return verdict(kind === "removed");
    }
    switch (field) {
      case "rule":
        return verdict(ruleTightens(change.before as ColumnRule, change.after as ColumnRule));
      case "identifier":
        // Declaring a column an identifier confines it to deny/join and to the output lookup.
        return verdict(kind === "added");
      case "values": {
        // Declared values are published strings the output lookup lets through.
        if (kind === "removed") return "tightens";
        if (kind === "added") return "loosens";
        const before = new Set(change.before as string[]);
        return verdict((change.after as string[]).every((v) => before.has(v)));
      }
      default:
        // Bounds set both the clamp and the noise scale: neither narrowing nor widening is
        // provably tighter. Types and anything unforeseen: loosening.
        return "loosens";
    }
  }
  switch (path) {
    case "grade":
      return verdict((to.grade as number) > (from.grade as number));
    case "minGroupSize":
      return verdict(
        (to.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE[to.grade]) >=
          (from.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE[from.grade]),
      );
    case "maxContributionsPerUnit":
      return verdict((to.maxContributionsPerUnit ?? 1) <= (from.maxContributionsPerUnit ?? 1));
    case "dominance":
      return verdict(kind === "added");
    case "dominance.n":
    case "dominance.p":
      // More of the largest units counted, or a larger p: more sums suppressed.
      return verdict(kind === "added" || (kind === "changed" && notLower(change.before, change.after)));
    case "dominance.k":
      return verdict(kind === "changed" && notHigher(change.before, change.after));
    default:
      // privacyUnit, holder.department (who consents and earns), and anything unforeseen.
      return "loosens";
  }
}

/** A value in a readable line: scalars as they are, lists and documents summarised. */
function show(value: unknown): string {
  if (value === undefined) return "none";
  if (value === null) return "null";
  if (Array.isArray(value)) return `[${value.length} value${value.length === 1 ? "" : "s"}]`;
  if (isRecord(value)) {
    if (typeof value.name === "string" && typeof value.rule === "string")
      return `column ${value.name} (rule ${value.rule})`;
    const text = JSON.stringify(value);
    return text.length <= 80 ? text : "{…}";
  }
  return String(value);
}

/** One change as a line: `grade: 3 → 1 (loosens)`, `dominance: added {"n":1,"k":80} (tightens)`. */
export function describeChange(change: PolicyChange, effect: ChangeEffect): string {
  const what =
    change.kind === "added"
      ? `added ${show(change.after)}`
      : change.kind === "removed"
        ? `removed (was ${show(change.before)})`
        : `${show(change.before)} → ${show(change.after)}`;
  return `${change.path}: ${what} (${effect})`;
}

export function classified(change: PolicyChange, effect: ChangeEffect): ClassifiedChange {
  return { ...change, effect, line: describeChange(change, effect) };
}

export function summarise(changes: ClassifiedChange[]): ChangeClassification {
  return { loosens: changes.some((c) => c.effect === "loosens"), changes };
}

/**
 * Classifies a change of a dataset's policy from `from` (null: the dataset is not registered) to
 * `to`. Registering a dataset loosens: data no policy admitted becomes usable.
 *
 * @example
 * classifyManifestChange(v1, { ...v1, grade: 1 }).changes[0].line; // "grade: 3 → 1 (loosens)"
 */
export function classifyManifestChange(
  from: DatasetManifest | null,
  to: DatasetManifest,
): ChangeClassification {
  if (from === null) {
    const change: PolicyChange = { kind: "added", path: "dataset", after: `${to.name} (grade ${to.grade})` };
    return summarise([classified(change, "loosens")]);
  }
  return summarise(diffManifests(from, to).map((c) => classified(c, manifestChangeEffect(c, from, to))));
}
