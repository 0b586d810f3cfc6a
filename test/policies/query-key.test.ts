import { beforeAll, describe, expect, it } from "vitest";
import type { SqlConnection } from "../../control/query-service.ts";
import { analyze, parserConnection } from "./fixtures.ts";

let parser: SqlConnection;

beforeAll(async () => {
  parser = await parserConnection();
});

/** The canonical form the gate gives a query over the demo license. */
async function form(sql: string): Promise<string> {
  return (await analyze(parser, sql)).canonical.form;
}

/** Each group's queries share one form, and no two groups share one. */
async function expectClasses(groups: readonly (readonly string[])[]): Promise<void> {
  const forms = await Promise.all(groups.map((g) => Promise.all(g.map(form))));
  for (const [i, group] of forms.entries()) {
    for (const [j, f] of group.entries()) {
      expect(f, `${groups[i]![j]} is a rephrasing of ${groups[i]![0]}`).toBe(group[0]);
    }
  }
  const firsts = forms.map((g) => g[0]!);
  for (const [i, f] of firsts.entries()) {
    for (let k = i + 1; k < firsts.length; k++) {
      expect(f, `${groups[i]![0]} and ${groups[k]![0]} compute different results`).not.toBe(firsts[k]);
    }
  }
}

const d1980 = "DATE '1980-01-01'";
const d1990 = "DATE '1990-01-01'";

describe("the canonical form of a query", () => {
  it("is one for rephrasings of a condition", async () => {
    await expectClasses([
      [
        `SELECT count(*) FROM population WHERE birth_date > ${d1980}`,
        `SELECT count(*) FROM population WHERE (birth_date > ${d1980})`,
        `SELECT count(*) FROM population WHERE ${d1980} < birth_date`,
        `SELECT count(*) FROM population WHERE NOT birth_date <= ${d1980}`,
        `SELECT count(*) FROM population WHERE NOT (NOT (birth_date > ${d1980}))`,
        `SELECT count(*) FROM population WHERE true AND birth_date > ${d1980}`,
        `SELECT count(*) FROM population WHERE birth_date > ${d1980} OR false`,
        `SELECT count(*) FROM population WHERE birth_date > ${d1980} AND birth_date > ${d1980}`,
        `SELECT count(*) FROM population WHERE birth_date > ${d1980} AND birth_date = birth_date`,
        `SELECT count(*) FROM population WHERE birth_date > CAST('1980-01-01' AS DATE)`,
        `SELECT count(*) AS n FROM population AS p WHERE p.birth_date > ${d1980}`,
        `SELECT count(*) FROM population p WHERE NOT (p.birth_date <= ${d1980} OR false)`,
      ],
      [`SELECT count(*) FROM population WHERE birth_date >= ${d1980}`],
      [`SELECT count(*) FROM population WHERE birth_date < ${d1980}`],
      [`SELECT count(*) FROM population WHERE birth_date <= ${d1980}`],
      [`SELECT count(*) FROM population WHERE birth_date > DATE '1980-01-02'`],
      // A string compared with a date is cast otherwise: kept apart, though likely equal.
      [`SELECT count(*) FROM population WHERE birth_date > '1980-01-01'`],
      [`SELECT count(*) FROM population`, `SELECT count(*) FROM population WHERE true`],
    ]);
  });

  it("is one for reordered, regrouped and negated AND/OR, and apart for AND against OR", async () => {
    await expectClasses([
      [
        "SELECT count(*) FROM population WHERE district = '新城区' AND gender = 'male'",
        "SELECT count(*) FROM population WHERE gender = 'male' AND district = '新城区'",
        "SELECT count(*) FROM population WHERE gender = 'male' AND '新城区' = district AND gender = 'male'",
        "SELECT count(*) FROM population WHERE NOT (district <> '新城区' OR gender <> 'male')",
        "SELECT count(*) FROM population WHERE NOT (NOT district = '新城区') AND NOT NOT gender = 'male'",
      ],
      ["SELECT count(*) FROM population WHERE district = '新城区' OR gender = 'male'"],
      ["SELECT count(*) FROM population WHERE district = '新城区' AND gender = 'female'"],
      ["SELECT count(*) FROM population WHERE district <> '新城区' AND gender = 'male'"],
      [
        "SELECT count(*) FROM population WHERE district = '新城区' AND (gender = 'male' OR education = 'none')",
        "SELECT count(*) FROM population WHERE (education = 'none' OR gender = 'male') AND district = '新城区'",
      ],
      [
        "SELECT count(*) FROM population WHERE (district = '新城区' AND gender = 'male') OR education = 'none'",
      ],
    ]);
  });

  it("is one for IN lists in any order and for BETWEEN as two comparisons", async () => {
    await expectClasses([
      [
        "SELECT count(*) FROM population WHERE district IN ('新城区', '回民区')",
        "SELECT count(*) FROM population WHERE district IN ('回民区', '新城区', '回民区')",
        "SELECT count(*) FROM population WHERE district = '回民区' OR district = '新城区'",
        "SELECT count(*) FROM population WHERE NOT district NOT IN ('回民区', '新城区')",
      ],
      [
        "SELECT count(*) FROM population WHERE district NOT IN ('新城区', '回民区')",
        "SELECT count(*) FROM population WHERE district <> '回民区' AND district <> '新城区'",
      ],
      ["SELECT count(*) FROM population WHERE district IN ('新城区', '玉泉区')"],
      [
        "SELECT count(*) FROM population WHERE district IN ('新城区')",
        "SELECT count(*) FROM population WHERE district = '新城区'",
      ],
      [
        `SELECT count(*) FROM population WHERE birth_date BETWEEN ${d1980} AND ${d1990}`,
        `SELECT count(*) FROM population WHERE birth_date <= ${d1990} AND ${d1980} <= birth_date`,
      ],
      [
        `SELECT count(*) FROM population WHERE birth_date NOT BETWEEN ${d1980} AND ${d1990}`,
        `SELECT count(*) FROM population WHERE birth_date < ${d1980} OR birth_date > ${d1990}`,
      ],
      [`SELECT count(*) FROM population WHERE birth_date > ${d1980} AND birth_date < ${d1990}`],
      // Bounds of two types cast otherwise than the comparisons would: not expanded.
      [`SELECT count(*) FROM population WHERE birth_date BETWEEN ${d1980} AND '1990-01-01'`],
      [`SELECT count(*) FROM population WHERE birth_date >= ${d1980} AND birth_date <= '1990-01-01'`],
    ]);
  });

  it("makes i = i into i IS NOT NULL only where NULL and FALSE both reject a row", async () => {
    await expectClasses([
      [
        "SELECT count(*) FROM population WHERE district IS NOT NULL",
        "SELECT count(*) FROM population WHERE district = district",
        "SELECT count(*) FROM population WHERE NOT (district <> district)",
        "SELECT count(*) FROM population WHERE NOT district IS NULL",
      ],
      // i = i is not true: it is NULL for a NULL i.
      ["SELECT count(*) FROM population"],
      // Under NOT, NULL and FALSE part: NOT (i = i) is never TRUE, NOT (i IS NOT NULL) is for NULL.
      [
        "SELECT count(*) FROM population WHERE NOT (district = district)",
        "SELECT count(*) FROM population WHERE district <> district",
      ],
      ["SELECT count(*) FROM population WHERE NOT (district IS NOT NULL)"],
      // As a value (a group key), NULL and FALSE are different groups.
      ["SELECT district = district AS k, count(*) AS n FROM population GROUP BY 1"],
      ["SELECT district IS NOT NULL AS k, count(*) AS n FROM population GROUP BY 1"],
    ]);
  });

  it("ignores output aliases, the order of the select list and of the group keys, and table aliases", async () => {
    await expectClasses([
      [
        "SELECT district, gender, count(*) AS n FROM population GROUP BY district, gender",
        "SELECT gender AS g, count(*), district FROM population GROUP BY gender, district",
        "SELECT p.district AS d, p.gender, count(*) AS residents FROM population AS p GROUP BY 1, 2",
        "SELECT count(*) AS n, x.gender, x.district FROM population x GROUP BY x.district, x.gender",
      ],
      ["SELECT district, count(*) AS n FROM population GROUP BY district, gender"],
      ["SELECT district, count(*) AS n FROM population GROUP BY district"],
      ["SELECT gender, count(*) AS n FROM population GROUP BY gender"],
      ["SELECT district, gender, count(*) AS n FROM population GROUP BY district, gender LIMIT 5"],
    ]);
  });

  it("keeps apart different measures, filters, HAVING, ORDER BY and LIMIT", async () => {
    await expectClasses([
      [
        "SELECT district, count(*) AS n FROM population GROUP BY district HAVING count(*) > 100",
        "SELECT count(*) AS n, district FROM population GROUP BY district HAVING 100 < n",
      ],
      ["SELECT district, count(*) AS n FROM population GROUP BY district HAVING count(*) >= 100"],
      ["SELECT district, count(*) AS n FROM population GROUP BY district HAVING count(*) > 101"],
      ["SELECT district, sum(annual_income) AS s FROM population GROUP BY district"],
      ["SELECT district, avg(annual_income) AS s FROM population GROUP BY district"],
      ["SELECT district, count(annual_income) AS s FROM population GROUP BY district"],
      ["SELECT district, sum(least(annual_income, 100000)) AS s FROM population GROUP BY district"],
      [
        "SELECT district, count(*) FILTER (WHERE gender = 'male' AND education = 'none') FROM population GROUP BY district",
        "SELECT district, count(*) FILTER (WHERE education = 'none' AND 'male' = gender) FROM population GROUP BY district",
      ],
      [
        "SELECT district, count(*) FILTER (WHERE gender = 'male' OR education = 'none') FROM population GROUP BY district",
      ],
      [
        "SELECT district, count(*) AS n FROM population GROUP BY district ORDER BY n",
        "SELECT district, count(*) AS n FROM population GROUP BY district ORDER BY 2",
      ],
      ["SELECT district, count(*) AS n FROM population GROUP BY district ORDER BY n DESC"],
      ["SELECT district, count(*) AS n FROM population GROUP BY district ORDER BY n LIMIT 3"],
      ["SELECT district, count(*) AS n FROM population GROUP BY district ORDER BY n LIMIT 3 OFFSET 1"],
    ]);
  });

  it("keeps literal types and parameters apart", async () => {
    await expectClasses([
      [
        "SELECT sum(CASE WHEN gender = 'male' THEN annual_income ELSE 0 END) FROM population",
        "SELECT sum(CASE WHEN 'male' = gender THEN annual_income ELSE 0 END) FROM population",
      ],
      ["SELECT sum(CASE WHEN gender = 'male' THEN annual_income ELSE 0.0 END) FROM population"],
      ["SELECT sum(CASE WHEN gender = 'male' THEN annual_income ELSE 1 END) FROM population"],
      ["SELECT sum(CASE WHEN gender <> 'male' THEN annual_income ELSE 0 END) FROM population"],
      [
        "SELECT count(*) FROM population WHERE district = $1",
        "SELECT count(*) FROM population WHERE $1 = district",
      ],
      ["SELECT count(*) FROM population WHERE district = $2"],
      ["SELECT count(*) FROM population WHERE district = '$1'"],
    ]);
  });

  it("tells relations by position and columns of subqueries by their names, whatever the aliases", async () => {
    await expectClasses([
      [
        "SELECT count(*) FROM population p JOIN medical_visits v ON p.person_id = v.person_id WHERE v.hospital = 'h'",
        "SELECT count(*) FROM population a JOIN medical_visits b ON b.person_id = a.person_id WHERE b.hospital = 'h'",
      ],
      [
        "SELECT count(*) FROM population a LEFT JOIN medical_visits b ON b.person_id = a.person_id WHERE b.hospital = 'h'",
      ],
      [
        "SELECT count(*) FROM medical_visits a JOIN population b ON b.person_id = a.person_id WHERE a.hospital = 'h'",
      ],
      [
        "SELECT count(*) FROM (SELECT district AS a, education AS b FROM population) WHERE a = 'none'",
        "SELECT count(*) FROM (SELECT district AS a, education AS b FROM population) AS s WHERE s.a = 'none'",
      ],
      // The same text but for the column aliases: these filter another column.
      ["SELECT count(*) FROM (SELECT district AS b, education AS a FROM population) WHERE a = 'none'"],
      [
        "WITH c(a, b) AS (SELECT district, education FROM population) SELECT count(*) FROM c WHERE a = 'none'",
      ],
      [
        "WITH c(b, a) AS (SELECT district, education FROM population) SELECT count(*) FROM c WHERE a = 'none'",
      ],
    ]);
  });

  it("maps each output column to what it computes, whatever its name and position", async () => {
    const a = (await analyze(parser, "SELECT district, count(*) AS n FROM population GROUP BY district"))
      .canonical;
    const b = (await analyze(parser, "SELECT count(*) AS c, district AS d FROM population GROUP BY 2"))
      .canonical;
    expect(b.form).toBe(a.form);
    expect(b.outputs).toEqual([a.outputs[1], a.outputs[0]]);
    expect(new Set(a.outputs).size).toBe(2);
  });
});
