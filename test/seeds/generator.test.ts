import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isValidResidentId, isValidUscc } from "../../policies/identifiers.ts";
import { DEMO_TABLES, generateDemoDomain } from "../../seeds/generate.ts";
import { DISTRICTS, STATIONS } from "../../seeds/reference/hohhot.ts";
import { readOnlyQuery, tempDir } from "../support/duckdb.ts";

const SCALE = 0.01; // 10,000 residents, 1,000 firms (+2 anchor firms)

let folder: Awaited<ReturnType<typeof tempDir>>;
let db: Awaited<ReturnType<typeof readOnlyQuery>>;
let file: string;

beforeAll(async () => {
  folder = await tempDir();
  file = join(folder.dir, "domain.duckdb");
  await generateDemoDomain({ file, scale: SCALE, seed: 7 });
  db = await readOnlyQuery(file);
});

afterAll(async () => {
  db?.close();
  await folder?.remove();
});

const n = async (sql: string) => Number((await db.one<{ n: unknown }>(sql)).n);

describe("demo domain generator", () => {
  it("writes the six tables at the sizes the scale asks for", async () => {
    const tables = (
      await db.all<{ name: string }>("SELECT table_name AS name FROM duckdb_tables() ORDER BY 1")
    ).map((t) => t.name);
    expect(tables).toEqual([...DEMO_TABLES].sort());
    expect(await n("SELECT count(*) n FROM population")).toBe(10_000);
    expect(await n("SELECT count(*) n FROM enterprises")).toBe(1_002);
    expect(await n("SELECT count(*) n FROM air_quality")).toBe(STATIONS.length * 8760);
    const visitsPerPerson = (await n("SELECT count(*) n FROM medical_visits")) / 10_000;
    expect(visitsPerPerson).toBeGreaterThan(2.5);
    expect(visitsPerPerson).toBeLessThan(5);
    expect(await n("SELECT count(*) n FROM electricity_usage")).toBe(
      12 * (await n("SELECT count(*) n FROM enterprises WHERE status = 'operating'")),
    );
  });

  it("is deterministic for a seed and different for another seed", async () => {
    const again = join(folder.dir, "again.duckdb");
    const other = join(folder.dir, "other.duckdb");
    await generateDemoDomain({ file: again, scale: SCALE, seed: 7 });
    await generateDemoDomain({ file: other, scale: SCALE, seed: 8 });
    const fingerprint = async (path: string) => {
      const q = await readOnlyQuery(path);
      try {
        return await q.all(
          `${DEMO_TABLES.map(
            (t) =>
              `SELECT '${t}' AS t, md5(string_agg(x::VARCHAR, '|' ORDER BY x::VARCHAR)) AS h FROM ${t} x`,
          ).join(" UNION ALL ")} ORDER BY t`,
        );
      } finally {
        q.close();
      }
    };
    const [a, b, c] = [await fingerprint(file), await fingerprint(again), await fingerprint(other)];
    expect(b).toEqual(a);
    const changed = c.filter((row, i) => row.h !== a[i]!.h).map((row) => row.t);
    // Air quality does not depend on the scale but does on the seed: every table differs.
    expect(changed.sort()).toEqual([...DEMO_TABLES].sort());
  });

  it("gives every resident a unique, valid ID number consistent with district, birth date and sex", async () => {
    const rows = await db.all<{ id_number: string; district: string; birth_date: string; gender: string }>(
      "SELECT id_number, district, birth_date::VARCHAR AS birth_date, gender FROM population",
    );
    const codeOf = new Map(DISTRICTS.map((d) => [d.name, d.code]));
    const seen = new Set<string>();
    for (const row of rows) {
      expect(isValidResidentId(row.id_number), row.id_number).toBe(true);
      expect(row.id_number.slice(0, 6)).toBe(codeOf.get(row.district));
      expect(row.id_number.slice(6, 14)).toBe(row.birth_date.replaceAll("-", ""));
      expect(Number(row.id_number[16]) % 2).toBe(row.gender === "male" ? 1 : 0);
      seen.add(row.id_number);
    }
    expect(seen.size).toBe(rows.length);
  });

  it("gives every firm a unique, valid unified social credit code carrying its district", async () => {
    const rows = await db.all<{ uscc: string; district: string }>("SELECT uscc, district FROM enterprises");
    const codeOf = new Map(DISTRICTS.map((d) => [d.name, d.code]));
    for (const row of rows) {
      expect(isValidUscc(row.uscc), row.uscc).toBe(true);
      expect(row.uscc.slice(2, 8)).toBe(codeOf.get(row.district));
    }
    expect(new Set(rows.map((r) => r.uscc)).size).toBe(rows.length);
  });

  it("keeps keys unique and foreign keys consistent", async () => {
    expect(await n("SELECT count(*) - count(DISTINCT person_id) n FROM population")).toBe(0);
    expect(await n("SELECT count(*) - count(DISTINCT visit_id) n FROM medical_visits")).toBe(0);
    expect(await n("SELECT count(*) - count(DISTINCT record_id) n FROM credit_records")).toBe(0);
    expect(
      await n(
        "SELECT count(*) n FROM medical_visits WHERE person_id NOT IN (SELECT person_id FROM population)",
      ),
    ).toBe(0);
    expect(
      await n(
        "SELECT count(*) n FROM electricity_usage WHERE uscc NOT IN (SELECT uscc FROM enterprises WHERE status = 'operating')",
      ),
    ).toBe(0);
    expect(
      await n("SELECT count(*) n FROM credit_records WHERE uscc NOT IN (SELECT uscc FROM enterprises)"),
    ).toBe(0);
    expect(
      await n(`SELECT count(*) n FROM credit_records c JOIN enterprises e USING (uscc)
               WHERE c.decision_date < e.established_on OR c.decision_date > DATE '2025-12-31'`),
    ).toBe(0);
  });

  it("draws independent attributes from independent streams (no district/age correlation)", async () => {
    const ages = await db.all<{ district: string; age: number }>(
      "SELECT district, avg(2025 - year(birth_date))::DOUBLE AS age FROM population GROUP BY district HAVING count(*) > 400",
    );
    const overall = await n("SELECT avg(2025 - year(birth_date)) n FROM population");
    for (const row of ages) expect(Math.abs(row.age - overall), row.district).toBeLessThan(3);
  });

  it("has a realistic age pyramid, education gradient and income structure", async () => {
    const old = await n("SELECT avg(CASE WHEN year(birth_date) <= 1960 THEN 1 ELSE 0 END) n FROM population");
    expect(old).toBeGreaterThan(0.1);
    expect(old).toBeLessThan(0.22);
    const income = async (where: string) =>
      n(`SELECT median(annual_income) n FROM population WHERE employment_status = 'employed' AND ${where}`);
    expect(await income("education = 'bachelor'")).toBeGreaterThan(
      1.5 * (await income("education = 'junior_secondary'")),
    );
    expect(await income("district IN ('赛罕区', '新城区')")).toBeGreaterThan(
      1.2 * (await income("district IN ('武川县', '清水河县')")),
    );
    expect(
      await n("SELECT count(*) n FROM population WHERE 2025 - year(birth_date) < 16 AND annual_income > 0"),
    ).toBe(0);
    // A heavy top tail: the top 1% of earners hold several percent of all income.
    const topShare =
      await n(`SELECT sum(annual_income) FILTER (WHERE annual_income >= q) / sum(annual_income) n
      FROM population, (SELECT quantile_cont(annual_income, 0.99) q FROM population)`);
    expect(topShare).toBeGreaterThan(0.04);
    const names = await db.all<{ name: string }>("SELECT name FROM population");
    for (const { name } of names) expect(name).toMatch(/^[\u4e00-\u9fff]{2,6}$/);
  });

  it("has visit rates and diagnoses that depend on age and season", async () => {
    const rate = async (lo: number, hi: number) =>
      n(`SELECT (SELECT count(*) FROM medical_visits v JOIN population p USING (person_id)
                 WHERE 2025 - year(p.birth_date) BETWEEN ${lo} AND ${hi})
              / (SELECT count(*) FROM population WHERE 2025 - year(birth_date) BETWEEN ${lo} AND ${hi}) n`);
    expect(await rate(65, 120)).toBeGreaterThan(2.5 * (await rate(15, 44)));
    const hypertensionShare = async (lo: number, hi: number) =>
      n(`SELECT avg(CASE WHEN diagnosis = 'I10' THEN 1 ELSE 0 END) n FROM medical_visits v JOIN population p USING (person_id)
         WHERE 2025 - year(p.birth_date) BETWEEN ${lo} AND ${hi}`);
    expect(await hypertensionShare(65, 120)).toBeGreaterThan(3 * (await hypertensionShare(15, 44)));
    expect(
      await n(
        "SELECT count(*) n FROM medical_visits v JOIN population p USING (person_id) WHERE diagnosis = 'O80' AND p.gender = 'male'",
      ),
    ).toBe(0);
    const winter = await n(
      "SELECT count(*) n FROM medical_visits WHERE diagnosis LIKE 'J%' AND month(visit_date) = 1",
    );
    const summer = await n(
      "SELECT count(*) n FROM medical_visits WHERE diagnosis LIKE 'J%' AND month(visit_date) = 7",
    );
    expect(winter).toBeGreaterThan(2 * summer);
    expect(await n("SELECT count(*) n FROM medical_visits WHERE cost <= 0 OR year(visit_date) <> 2025")).toBe(
      0,
    );
  });

  it("has heavy-tailed firms, with one firm dominating a county's electricity", async () => {
    const sizes = await db.one<{ max: number; median: number }>(
      "SELECT max(employees)::DOUBLE AS max, median(employees)::DOUBLE AS median FROM enterprises",
    );
    expect(sizes.max / sizes.median).toBeGreaterThan(100);
    const share = await n(`WITH firm AS (
        SELECT e.uscc, sum(u.kwh) AS kwh FROM electricity_usage u JOIN enterprises e USING (uscc)
        WHERE e.district = '托克托县' GROUP BY e.uscc)
      SELECT max(kwh) / sum(kwh) n FROM firm`);
    expect(share).toBeGreaterThan(0.5);
    const january = await n("SELECT sum(kwh) n FROM electricity_usage WHERE month = DATE '2025-01-01'");
    const may = await n("SELECT sum(kwh) n FROM electricity_usage WHERE month = DATE '2025-05-01'");
    expect(january).toBeGreaterThan(may);
  });

  it("has seasonal air quality with a consistent AQI", async () => {
    const mean = async (column: string, months: string) =>
      n(`SELECT avg(${column}) n FROM air_quality WHERE month(hour) IN (${months})`);
    expect(await mean("pm25", "1, 2, 12")).toBeGreaterThan(1.8 * (await mean("pm25", "6, 7, 8")));
    expect(await mean("o3", "6, 7, 8")).toBeGreaterThan(1.5 * (await mean("o3", "1, 2, 12")));
    expect(await mean("pm10", "3, 4, 5")).toBeGreaterThan(await mean("pm10", "7, 8, 9"));
    expect(
      await n(
        "SELECT count(*) n FROM air_quality WHERE pm10 < pm25 OR aqi NOT BETWEEN 0 AND 500 OR pm25 < 0",
      ),
    ).toBe(0);
    // AQI is the largest individual index: a PM2.5 of 75 μg/m³ alone means an AQI of at least 100.
    expect(await n("SELECT count(*) n FROM air_quality WHERE pm25 >= 75 AND aqi < 100")).toBe(0);
    expect(await n("SELECT count(DISTINCT station) n FROM air_quality")).toBe(STATIONS.length);
  });

  it("refuses a scale outside (0, 100]", async () => {
    await expect(generateDemoDomain({ file: join(folder.dir, "x.duckdb"), scale: 0 })).rejects.toThrow(
      /scale/,
    );
  });
});
