import type { ColumnManifest, ColumnRule, DatasetManifest, Grade } from "../policies/manifest.ts";

/** What each column rule lets a script do, in plain words. */
export const RULE_IN_WORDS: Readonly<Record<ColumnRule, string>> = {
  deny: "never usable in a query",
  join: "only in equality joins (never output, never compared to a value)",
  filter: "only in WHERE/JOIN conditions (never output or grouped)",
  aggregate: "only inside aggregates (count, sum, avg …), released per group of enough units",
  group: "as a GROUP BY dimension; its values are output when the group is large enough",
  row: "row-level values may be read, but the job's outputs are then held for review",
  plain: "anything, including output as is",
};

/** What each grade means for a script, in plain words. */
export const GRADE_IN_WORDS: Readonly<Record<Grade, string>> = {
  1: "open data: any use, rows may be output",
  2: "internal: aggregates over groups of at least k units; row access only with review",
  3: "personal/sensitive: aggregates over groups of at least k units with differential-privacy noise charged to your ε budget",
  4: "core: only under a license naming it, and every output is reviewed",
};

function columnNotes(column: ColumnManifest): string {
  const notes: string[] = [];
  if (column.identifier) notes.push(`identifier (${column.identifier})`);
  if (column.unit) notes.push(`unit ${column.unit}`);
  if (column.bounds) notes.push(`values clamped to ${column.bounds.min}…${column.bounds.max}`);
  if (column.dateRange) notes.push(`${column.dateRange.from} … ${column.dateRange.to}`);
  if (column.values) {
    const shown = column.values.slice(0, 6).join(", ");
    notes.push(`one of ${column.values.length}: ${shown}${column.values.length > 6 ? ", …" : ""}`);
  }
  return notes.join("; ");
}

/** A dataset's manifest explained for an operator: grade, thresholds, then each column and its rule. */
export function explainDataset(
  manifest: DatasetManifest,
  extra: { policyVersion: number; rows: number | null },
): string {
  const lines = [
    `${manifest.name} — ${manifest.title}`,
    `  ${manifest.description}`,
    `  holder: ${manifest.holder.department}`,
    `  grade ${manifest.grade}: ${GRADE_IN_WORDS[manifest.grade]}`,
    `  policy version ${extra.policyVersion}; updated ${manifest.updateFrequency}${extra.rows === null ? "" : `; ${extra.rows} rows`}`,
  ];
  if (manifest.privacyUnit) {
    lines.push(
      `  privacy unit: ${manifest.privacyUnit} — groups count distinct ${manifest.privacyUnit} values; each contributes at most ${manifest.maxContributionsPerUnit} row(s) to a query`,
    );
  }
  if (manifest.minGroupSize) lines.push(`  minimum group size: ${manifest.minGroupSize}`);
  if (manifest.dominance) {
    const d = manifest.dominance;
    lines.push(
      `  dominance: a total is suppressed when its ${d.n} largest unit(s) make up more than ${d.k}% of it${d.p ? `, or when the rest is under ${d.p}% of the largest` : ""}`,
    );
  }
  lines.push("  columns:");
  for (const column of manifest.columns) {
    const notes = columnNotes(column);
    lines.push(`    ${column.name} ${column.type} [${column.rule}] ${RULE_IN_WORDS[column.rule]}`);
    lines.push(`      ${column.meaning}${notes ? ` (${notes})` : ""}`);
  }
  return lines.join("\n");
}
