import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RecordingAuditSink } from "../../control/audit-sink.ts";
import type { Actor } from "../../control/authority.ts";
import { publishManifest } from "../../control/catalog.ts";
import {
  answerQualityIssue,
  confirmQualityIssue,
  getQualityIssue,
  listQualityIssues,
  openQualityIssueCounts,
  type QualityDeps,
  qualitySummary,
  reopenQualityIssue,
  reportQualityIssue,
  resolveQualityIssue,
} from "../../control/data-quality.ts";
import { type DataSupplyDeps, supplyDataVersion } from "../../control/data-supply.ts";
import { storeDataVersionSource } from "../../control/data-versions.ts";
import { createPrincipal } from "../../control/identity.ts";
import { grantLicense } from "../../control/licenses.ts";
import { isDomainError } from "../../policies/errors.ts";
import { DEMO_MANIFESTS } from "../../seeds/manifests/index.ts";
import { type DataDomain, openVersionedDataDomain } from "../../storage/data-domain.ts";
import { airQualityCsv } from "../support/data-files.ts";
import { tempDir } from "../support/duckdb.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

const air = DEMO_MANIFESTS.find((m) => m.name === "air_quality")!;
const population = DEMO_MANIFESTS.find((m) => m.name === "population")!;

async function* chunks(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

/** Air readings where every fourth row has no PM2.5 value (an empty CSV field loads as NULL). */
function airWithGaps(rows: number): string {
  const [header, ...lines] = airQualityCsv(rows).trimEnd().split("\n");
  const gapped = lines.map((line, i) => {
    if (i % 4 !== 0) return line;
    const cells = line.split(",");
    cells[2] = "";
    return cells.join(",");
  });
  return `${[header, ...gapped].join("\n")}\n`;
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; detail: string }> {
  try {
    await promise;
  } catch (error) {
    if (isDomainError(error)) return { code: error.code, detail: error.detail };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe.each(STORE_KINDS)("data quality feedback on %s", (kind) => {
  let t: TestStore;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let audit: RecordingAuditSink;
  let supply: DataSupplyDeps;
  let deps: QualityDeps;
  let domain: DataDomain;
  let bureau: Actor;
  let airHolder: Actor;
  let populationHolder: Actor;
  let operator: Actor;
  let unlicensed: Actor;

  beforeEach(async () => {
    t = await openTestStore(kind);
    dir = await tempDir("aos-quality-");
    audit = new RecordingAuditSink();
    supply = { store: t.store, audit, datasetsDir: join(dir.dir, "datasets"), maxBytes: 1_000_000 };
    const made = await t.store.transaction(async (tx) => {
      await publishManifest(tx, air, "seed");
      await publishManifest(tx, population, "seed");
      return {
        bureau: await createPrincipal(tx, { role: "bureau", name: "Officer", organization: "Data Bureau" }),
        airHolder: await createPrincipal(tx, {
          role: "holder",
          name: "Air officer",
          organization: air.holder.department,
        }),
        populationHolder: await createPrincipal(tx, {
          role: "holder",
          name: "Registry officer",
          organization: population.holder.department,
        }),
        operator: await createPrincipal(tx, { role: "operator", name: "Firm", organization: "Firm Ltd" }),
        unlicensed: await createPrincipal(tx, { role: "operator", name: "Other", organization: "Other Ltd" }),
      };
    });
    ({ bureau, airHolder, populationHolder, operator, unlicensed } = made);
    await grantLicense(t.store, {
      id: "lic_air",
      operator: operator.id,
      purpose: "study",
      validFrom: new Date(Date.now() - 3_600_000).toISOString(),
      validTo: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      datasets: [{ name: "air_quality" }],
      quotas: {},
      releaseMode: "auto",
    });
    await supplyDataVersion(supply, airHolder, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(airWithGaps(40)),
    });
    domain = await openVersionedDataDomain({
      datasetsDir: supply.datasetsDir,
      source: storeDataVersionSource(t.store),
      threads: 1,
    });
    deps = { store: t.store, audit, dataDomain: domain };
    audit.events.length = 0;
  });

  afterEach(async () => {
    domain.close();
    await t.dispose();
    await dir.remove();
  });

  const inbox = (principal: string) =>
    t.store.query<{ kind: string; subject: string; message: string }>(
      "SELECT kind, subject, message FROM notifications WHERE recipient_id = $1 ORDER BY id",
      [principal],
    );

  it("runs report → answer → fix in a new data version → confirmation, audited and notified at each step", async () => {
    const issue = await reportQualityIssue(deps, operator, "air_quality", {
      column: "pm25",
      category: "missing_values",
      summary: "a quarter of the hours have no PM2.5 reading",
      exampleQuery:
        "SELECT station, count(pm25) AS readings, count(*) AS hours FROM air_quality GROUP BY station",
    });
    expect(issue).toMatchObject({
      dataset: "air_quality",
      column: "pm25",
      status: "open",
      reporter: operator.id,
      license: "lic_air",
      reportedVersion: 1,
      steps: [{ step: "reported", actor: operator.id }],
    });
    const told = await inbox(airHolder.id);
    expect(told.at(-1)).toMatchObject({ kind: "quality_issue.reported" });
    expect(JSON.parse(told.at(-1)!.subject)).toEqual({ qualityIssue: issue.id, dataset: "air_quality" });
    expect(await inbox(populationHolder.id)).toEqual([]);
    expect((await openQualityIssueCounts(t.store)).get("air_quality")).toBe(1);

    const accepted = await answerQualityIssue(deps, airHolder, issue.id, { decision: "accepted" });
    expect(accepted.status).toBe("accepted");
    expect((await inbox(operator.id)).at(-1)!.message).toContain("accepted");

    const fixed = await supplyDataVersion(supply, airHolder, {
      dataset: "air_quality",
      format: "csv",
      body: chunks(airQualityCsv(40)),
    });
    expect(fixed.version).toBe(2);
    const resolved = await resolveQualityIssue(deps, airHolder, issue.id, {
      version: 2,
      note: "back-filled",
    });
    expect(resolved).toMatchObject({ status: "resolved", fixVersion: 2 });
    expect((await inbox(operator.id)).at(-1)!.message).toContain("resolved by data version 2");

    const closed = await confirmQualityIssue(deps, operator, issue.id, {});
    expect(closed.status).toBe("closed");
    expect(closed.steps.map((s) => s.step)).toEqual(["reported", "accepted", "resolved", "confirmed"]);
    expect(closed.steps[2]).toMatchObject({ dataVersion: 2, reason: "back-filled" });
    expect(audit.events.filter((e) => e.type.startsWith("quality_issue.")).map((e) => e.type)).toEqual([
      "quality_issue.reported",
      "quality_issue.accepted",
      "quality_issue.resolved",
      "quality_issue.confirmed",
    ]);
    expect(audit.events.find((e) => e.type === "quality_issue.resolved")!.data).toMatchObject({
      fixVersion: 2,
      fixSha256: fixed.sha256,
    });
    expect((await openQualityIssueCounts(t.store)).get("air_quality")).toBeUndefined();

    const summary = await qualitySummary(deps, operator, "air_quality");
    expect(summary).toMatchObject({
      currentVersion: 2,
      suppliedAt: fixed.suppliedAt,
      issues: { open: 0, opened: 1, resolved: 1, rejected: 0 },
    });
    expect(summary.completeness.find((c) => c.column === "pm25")!.completeness).toBe(1);
  });

  it("measures completeness once per data version and keeps it", async () => {
    const summary = await qualitySummary(deps, bureau, "air_quality");
    expect(summary.currentVersion).toBe(1);
    expect(summary.ageHours).toBe(0);
    expect(summary.completeness.find((c) => c.column === "pm25")!.completeness).toBe(0.75);
    expect(summary.completeness.find((c) => c.column === "station")!.completeness).toBe(1);
    const stored = await t.store.query<{ column_name: string; row_count: number; non_null: number }>(
      "SELECT column_name, row_count, non_null FROM data_completeness WHERE dataset = 'air_quality' AND version = 1",
    );
    expect(stored).toHaveLength(air.columns.length);
    expect(stored.find((r) => r.column_name === "pm25")).toMatchObject({ non_null: 30 });
    // A stored figure is served as it is: the data of a version never changes.
    await t.store.run(
      "UPDATE data_completeness SET non_null = 20 WHERE dataset = 'air_quality' AND version = 1 AND column_name = 'pm25'",
    );
    const again = await qualitySummary(deps, populationHolder, "air_quality");
    expect(again.completeness.find((c) => c.column === "pm25")!.completeness).toBe(0.5);
  });

  it("refuses a report carrying rows, a query that is not one SELECT over the dataset, and an unlicensed operator", async () => {
    const rows = await refusal(
      reportQualityIssue(deps, operator, "air_quality", {
        category: "wrong_values",
        summary: "values look wrong",
        rows: [{ station: "S01", pm25: 9999 }],
      }),
    );
    expect(rows.code).toBe("BAD_REQUEST");
    expect(rows.detail).toContain("rows (not accepted)");
    expect(rows.detail).not.toContain("9999");
    const data = await refusal(
      reportQualityIssue(deps, operator, "air_quality", {
        category: "other",
        summary: "x",
        data: "a,b\n1,2",
      }),
    );
    expect(data.detail).toContain("data (not accepted)");

    const notSelect = await refusal(
      reportQualityIssue(deps, operator, "air_quality", {
        category: "other",
        summary: "x",
        exampleQuery: "DELETE FROM air_quality",
      }),
    );
    expect(notSelect.code).toBe("SQL_NOT_ALLOWED");
    expect(notSelect.detail).toContain("example query is refused");
    const two = await refusal(
      reportQualityIssue(deps, operator, "air_quality", {
        category: "other",
        summary: "x",
        exampleQuery: "SELECT 1 FROM air_quality; SELECT 2 FROM air_quality",
      }),
    );
    expect(two.code).toBe("SQL_NOT_ALLOWED");
    const otherTable = await refusal(
      reportQualityIssue(deps, operator, "air_quality", {
        category: "other",
        summary: "x",
        exampleQuery: "SELECT count(*) FROM population",
      }),
    );
    expect(otherTable.code).toBe("SQL_NOT_ALLOWED");
    const long = await refusal(
      reportQualityIssue(deps, operator, "air_quality", {
        category: "other",
        summary: "x",
        exampleQuery: `SELECT ${"1 + ".repeat(2000)}1 FROM air_quality`,
      }),
    );
    expect(long.detail).toContain("exampleQuery");

    const outsider = await refusal(
      reportQualityIssue(deps, unlicensed, "air_quality", { category: "stale", summary: "old data" }),
    );
    expect(outsider.code).toBe("FORBIDDEN");
    expect(outsider.detail).toContain("license");
    expect(
      (await refusal(reportQualityIssue(deps, bureau, "air_quality", { category: "stale", summary: "x" })))
        .code,
    ).toBe("FORBIDDEN");
    expect(
      (await refusal(reportQualityIssue(deps, operator, "population", { category: "stale", summary: "x" })))
        .code,
    ).toBe("FORBIDDEN");
    expect(
      (
        await refusal(
          reportQualityIssue(deps, operator, "air_quality", {
            column: "nope",
            category: "stale",
            summary: "x",
          }),
        )
      ).code,
    ).toBe("BAD_REQUEST");
    expect(await t.store.query("SELECT id FROM quality_issues")).toEqual([]);
    expect(audit.events).toEqual([]);
  });

  it("lets only the dataset's holder department answer and resolve, and only with a newer data version", async () => {
    const issue = await reportQualityIssue(deps, operator, "air_quality", {
      category: "stale",
      summary: "old",
    });
    const other = await refusal(
      answerQualityIssue(deps, populationHolder, issue.id, { decision: "accepted" }),
    );
    expect(other.code).toBe("NOT_FOUND");
    expect((await refusal(answerQualityIssue(deps, bureau, issue.id, { decision: "accepted" }))).code).toBe(
      "FORBIDDEN",
    );
    expect(
      (await refusal(answerQualityIssue(deps, airHolder, issue.id, { decision: "rejected" }))).detail,
    ).toContain("reason");
    expect((await refusal(resolveQualityIssue(deps, airHolder, issue.id, { version: 1 }))).code).toBe(
      "CONFLICT",
    );
    expect((await refusal(resolveQualityIssue(deps, airHolder, issue.id, { version: 7 }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await refusal(resolveQualityIssue(deps, populationHolder, issue.id, { version: 1 }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await getQualityIssue(t.store, operator, issue.id)).status).toBe("open");
    expect(await refusal(getQualityIssue(t.store, populationHolder, issue.id))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await refusal(getQualityIssue(t.store, unlicensed, issue.id))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await refusal(listQualityIssues(t.store, populationHolder, "air_quality"))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await listQualityIssues(t.store, unlicensed, "air_quality")).toEqual({ items: [], next: null });
    expect((await listQualityIssues(t.store, airHolder, "air_quality")).items.map((i) => i.id)).toEqual([
      issue.id,
    ]);
  });

  it("lets the reporter reopen a rejected issue once, then only confirm", async () => {
    const issue = await reportQualityIssue(deps, operator, "air_quality", {
      category: "inconsistent",
      summary: "x",
    });
    await answerQualityIssue(deps, airHolder, issue.id, { decision: "rejected", reason: "as designed" });
    expect((await refusal(reopenQualityIssue(deps, unlicensed, issue.id, {}))).code).toBe("NOT_FOUND");
    const reopened = await reopenQualityIssue(deps, operator, issue.id, { reason: "still inconsistent" });
    expect(reopened).toMatchObject({ status: "open", reopened: true, answerReason: null });
    expect((await inbox(airHolder.id)).at(-1)!.message).toContain("reopened");
    await answerQualityIssue(deps, airHolder, issue.id, {
      decision: "rejected",
      reason: "still as designed",
    });
    const twice = await refusal(reopenQualityIssue(deps, operator, issue.id, {}));
    expect(twice).toMatchObject({ code: "CONFLICT" });
    expect(twice.detail).toContain("once");
    expect((await confirmQualityIssue(deps, operator, issue.id)).status).toBe("closed");
    expect((await qualitySummary(deps, bureau, "air_quality")).issues).toEqual({
      open: 0,
      opened: 1,
      resolved: 0,
      rejected: 0,
    });
  });
});
