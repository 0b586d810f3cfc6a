import { readFile } from "node:fs/promises";
import type { Browser, Download, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlStoreFile } from "../../storage/open-store.ts";
import { openSqliteStore } from "../../storage/sqlite-store.ts";
import {
  AXE,
  type ConsoleRig,
  fitsPhone,
  launchAxeBrowser,
  pageFetch,
  screenshots,
  signInWith,
  signOutOf,
  useConsoleRig,
} from "./harness.ts";

/**
 * Settlement statements in headless Chromium against a real gateway on the demo domain: the bureau
 * issues last month's statement (refused, in the gateway's words, for the month not yet ended),
 * opens, downloads and verifies it; each party reads its own and nobody else's.
 */
let rig: ConsoleRig;
let page: Page;
let axeBrowser: Browser | undefined;

useConsoleRig((started, first) => {
  rig = started;
  page = first;
});

afterAll(async () => {
  await axeBrowser?.close();
});

const signIn = (key: string) => signInWith(page, rig.url, key);
const signOut = () => signOutOf(page);

const json = async <T>(response: Response): Promise<T> => {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
  return JSON.parse(text) as T;
};

/** Numbers as the console writes them in Chinese (the rig's browser locale). */
const zhNumber = (n: number) => new Intl.NumberFormat("zh-CN").format(n);

interface Statement {
  id: string;
  sha256: string;
  statement: {
    period: string;
    key: string;
    party: { kind: string; id: string };
    lines: { dataset: string | null; license?: string; jobs: number; rowsScanned: number; charge: string }[];
    totals: { jobs: number; rowsScanned: number; chargeFen: number; charge: string };
  };
}

const now = new Date();
/** The month now running (UTC), which no statement may settle yet, and the one before it. */
const currentMonth = now.toISOString().slice(0, 7);
const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
  .toISOString()
  .slice(0, 7);

let operatorId: string;
let airDepartment: string;

/** The download a click starts, and its bytes. */
async function downloaded(on: Page, format: string): Promise<{ download: Download; bytes: Buffer }> {
  const [download] = await Promise.all([
    on.waitForEvent("download"),
    on.locator(`[data-download="${format}"]`).click(),
  ]);
  const path = await download.path();
  return { download, bytes: await readFile(path) };
}

/** The ids of the statements listed on the page. */
async function listed(on: Page): Promise<string[]> {
  await on.locator('table.stm-list, [data-testid="statements-empty"]').first().waitFor();
  const rows = on.locator("table.stm-list tbody tr");
  const ids = await Promise.all(
    Array.from({ length: await rows.count() }, (_, i) => rows.nth(i).getAttribute("data-statement")),
  );
  return ids.map(String).sort();
}

beforeAll(async () => {
  const { bureau, operator } = rig.credentials;
  // A tariff, so the month has a charge: 1 CNY a job and 1 CNY per thousand rows scanned.
  const tariff = await rig.apiAs(bureau.key, "/v1/tariffs", {
    method: "PUT",
    body: {
      currency: "CNY",
      perJob: 1,
      perCpuSecond: 0,
      perQuery: 0,
      perEpsilon: 0,
      perOutputCell: 0,
      perThousandRowsScanned: 1,
    },
  });
  expect(tariff.status).toBe(201);
  operatorId = (await json<{ id: string }>(await rig.apiAs(operator.key, "/v1/whoami"))).id;
  airDepartment = rig.credentials.holders!.air_quality!.department;
  const script = `export default async function main(ctx) {
  return { by_station: await ctx.sql("SELECT station, count(*) AS n FROM air_quality GROUP BY station ORDER BY station") };
}`;
  const { id } = await json<{ id: string }>(
    await rig.apiAs(operator.key, "/v1/jobs", {
      method: "POST",
      body: { script, license: operator.license },
    }),
  );
  const job = await json<{ status: string }>(await rig.apiAs(operator.key, `/v1/jobs/${id}?wait=60`));
  expect(job.status).toBe("released");
  // A statement settles a month that has ended: the job and the tariff are moved into last month,
  // on a second connection to the gateway's control plane (as test/gateway/statements.test.ts does).
  const store = await openSqliteStore(controlStoreFile(rig.dataDir));
  try {
    await store.run("UPDATE jobs SET submitted_at = $1 WHERE id = $2", [`${lastMonth}-15T10:00:00.000Z`, id]);
    await store.run("UPDATE tariffs SET effective_from = $1", [`${lastMonth}-01T00:00:00.000Z`]);
  } finally {
    await store.close();
  }
}, 120_000);

describe("settlement statements in a real browser", () => {
  let operatorStatement: Statement;

  it("bureau: is refused the running month in the gateway's words, issues last month's, reads, downloads and verifies it", async () => {
    await signIn(rig.credentials.bureau.key);
    await page.locator("nav.nav a", { hasText: "结算单" }).click();
    await page.waitForURL(`${rig.url}/statements`);
    const form = page.locator('[data-testid="issue-statement"]');
    await form.waitFor();
    // The form starts at the last month that has ended.
    expect(await page.locator("#stm-issue-period").inputValue()).toBe(lastMonth);
    await page.locator(`#stm-issue-party option[value="${operatorId}"]`).waitFor({ state: "attached" });
    await page.locator("#stm-issue-party").selectOption(operatorId);

    // The running month: the gateway's refusal, as it words it, beside the form.
    await page.locator("#stm-issue-period").fill(currentMonth);
    await form.locator("button[type=submit]").click();
    const refusal = form.locator("[role=alert]");
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toContain(`${currentMonth} ends at`);
    await expect(refusal.textContent()).resolves.toContain(
      "a statement settles a whole calendar month (UTC), once it has ended (CONFLICT)",
    );
    expect(await page.locator("#stm-issue-period").getAttribute("aria-invalid")).toBe("true");
    expect(page.url()).toBe(`${rig.url}/statements`);
    await screenshots(page, "bureau-statement-refused");

    // Last month: issued, and opened.
    await page.locator("#stm-issue-period").fill(lastMonth);
    await form.locator("button[type=submit]").click();
    await page.waitForURL(/\/statements\/stm_[\w-]+\?issued=new$/);
    const id = new URL(page.url()).pathname.split("/").at(-1)!;
    await page.locator("main .notice", { hasText: `已签发结算单 ${id}` }).waitFor();
    operatorStatement = await json<Statement>(
      await rig.apiAs(rig.credentials.bureau.key, `/v1/statements/${id}`),
    );
    const body = operatorStatement.statement;
    expect(body.party).toEqual({ kind: "operator", id: operatorId });
    expect(body.totals.jobs).toBe(1);
    expect(body.totals.chargeFen).toBeGreaterThanOrEqual(100);

    // Its lines and totals as a table.
    const lines = page.locator("table.stm-lines");
    await lines.waitFor();
    expect(await lines.locator("tbody tr").count()).toBe(body.lines.length);
    const line = body.lines[0]!;
    expect(line.dataset).toBe("air_quality");
    const row = lines.locator('tbody tr[data-line="air_quality"]');
    const cells = await row.locator("th, td").allTextContents();
    expect(cells).toEqual([
      rig.credentials.operator.license,
      "air_quality",
      airDepartment,
      "按扫描行数",
      "1",
      zhNumber(line.rowsScanned),
      `¥${line.charge}`,
    ]);
    expect(await lines.locator("tfoot tr").locator("th, td").allTextContents()).toEqual([
      "合计",
      "1",
      zhNumber(body.totals.rowsScanned),
      `¥${body.totals.charge}`,
    ]);
    await expect(page.locator('[data-testid="statement-total"]').textContent()).resolves.toBe(
      `¥${body.totals.charge}`,
    );
    // The digest named by its algorithm, and the signing key's fingerprint.
    await expect(page.locator('[data-testid="statement-digest"]').textContent()).resolves.toBe(
      `sha256:${operatorStatement.sha256}`,
    );
    await expect(page.locator('[data-testid="statement-key"]').textContent()).resolves.toBe(body.key);

    // Verified on the server: every check passed, no figure differs.
    await page.locator('button[data-action="verify"]').click();
    const report = page.locator(".stm-verify");
    await report.waitFor();
    expect(await report.getAttribute("data-valid")).toBe("true");
    await expect(report.textContent()).resolves.toContain("结算单有效：各项检查均通过。");
    const items = report.locator("[data-check]");
    const checks = await Promise.all(
      Array.from({ length: await items.count() }, async (_, i) => [
        await items.nth(i).getAttribute("data-check"),
        await items.nth(i).getAttribute("data-ok"),
      ]),
    );
    expect(checks).toEqual(
      ["shape", "hash", "signature", "key", "totals", "recompute", "log"].map((check) => [check, "true"]),
    );
    await report.locator('[data-testid="no-differences"]').waitFor();
    await screenshots(page, "bureau-statement");
    await fitsPhone(page);

    // Downloads: the signed original as sent, and its CSV and PDF renderings.
    const original = await downloaded(page, "json");
    expect(original.download.suggestedFilename()).toBe(`${id}.json`);
    expect(JSON.parse(original.bytes.toString("utf8"))).toEqual(operatorStatement);
    const csv = await downloaded(page, "csv");
    expect(csv.download.suggestedFilename()).toBe(`${id}.csv`);
    const [header, ...rows] = csv.bytes.toString("utf8").trimEnd().split("\r\n");
    expect(header).toContain("charge_fen");
    expect(rows).toHaveLength(body.lines.length + 1);
    expect(rows.at(-1)).toContain(`,total,1,${body.totals.rowsScanned},${body.totals.chargeFen},`);
    const pdf = await downloaded(page, "pdf");
    expect(pdf.download.suggestedFilename()).toBe(`${id}.pdf`);
    expect(pdf.bytes.subarray(0, 8).toString("latin1")).toBe("%PDF-1.4");
    expect(pdf.bytes.toString("latin1")).toContain(operatorStatement.sha256);

    // Issuing the same month and party again opens the statement issued before, saying so.
    await page.locator("nav.nav a", { hasText: "结算单" }).click();
    await page.waitForURL(`${rig.url}/statements`);
    await page.locator(`#stm-issue-party option[value="${operatorId}"]`).waitFor({ state: "attached" });
    await page.locator("#stm-issue-party").selectOption(operatorId);
    await form.locator("button[type=submit]").click();
    await page.waitForURL(`${rig.url}/statements/${id}?issued=again`);
    await page.locator("main .notice", { hasText: "此前已签发" }).waitFor();

    // Listed with its month, party, charge, issuer and shortened digest; filtered out by party kind.
    await page.locator("nav.nav a", { hasText: "结算单" }).click();
    const listedRow = page.locator(`table.stm-list tr[data-statement="${id}"]`);
    await listedRow.waitFor();
    const listedText = (await listedRow.textContent()) ?? "";
    for (const part of [lastMonth, "开发主体", operatorId, `¥${body.totals.charge}`])
      expect(listedText).toContain(part);
    await expect(listedRow.locator("code").textContent()).resolves.toBe(
      `sha256:${operatorStatement.sha256.slice(0, 12)}…`,
    );
    await screenshots(page, "bureau-statements");
    await fitsPhone(page);
    await page.locator("#stm-filter-kind").selectOption("holder");
    await page.locator("form.filters button[type=submit]").click();
    await page.locator('[data-testid="statements-empty"]').waitFor();
    await page.locator("form.filters button", { hasText: "清除" }).click();
    await listedRow.waitFor();
    await signOut();
  });

  it("operator: lists its own statement only, verifies it, and another party's id answers not found", async () => {
    // Another party's statement of the same month: the air quality department's.
    const holderStatement = await json<Statement>(
      await rig.apiAs(rig.credentials.bureau.key, "/v1/statements", {
        method: "POST",
        body: { period: lastMonth, party: { kind: "holder", id: airDepartment } },
      }),
    );
    expect(holderStatement.statement.lines).toEqual([
      expect.objectContaining({ dataset: "air_quality", operator: operatorId }),
    ]);

    await signIn(rig.credentials.operator.key);
    await page.locator("nav.nav a", { hasText: "结算单" }).click();
    await page.waitForURL(`${rig.url}/statements`);
    expect(await listed(page)).toEqual([operatorStatement.id]);
    // Issuing is the bureau's: no form here.
    expect(await page.locator('[data-testid="issue-statement"]').count()).toBe(0);
    await page.locator(`tr[data-statement="${operatorStatement.id}"] a`).click();
    await page.waitForURL(`${rig.url}/statements/${operatorStatement.id}`);
    await page.locator('button[data-action="verify"]').click();
    await page.locator('.stm-verify[data-valid="true"]').waitFor();

    // Another party's statement, by its id: the not-found message, none of the statement.
    await page.goto(`${rig.url}/statements/${holderStatement.id}`);
    const missing = page.locator('[data-testid="statement-not-found"]');
    await missing.waitFor();
    await expect(missing.textContent()).resolves.toContain(`没有编号为 ${holderStatement.id} 的结算单`);
    expect(await page.locator("table.stm-lines").count()).toBe(0);
    expect(await page.content()).not.toContain(holderStatement.sha256);
    expect((await pageFetch(page, `/v1/statements/${holderStatement.id}`)).status).toBe(404);
    // (fetch itself: the verification takes no body, so none is declared.)
    const verify = await fetch(`${rig.url}/v1/statements/${holderStatement.id}/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${rig.credentials.operator.key}` },
    });
    expect(verify.status).toBe(404);
    // Issuing is refused by the API too, whatever the page shows.
    const issue = await rig.apiAs(rig.credentials.operator.key, "/v1/statements", {
      method: "POST",
      body: { period: lastMonth, party: { kind: "operator", id: operatorId } },
    });
    expect(issue.status).toBe(403);
    await screenshots(page, "operator-statement-not-found");
    await signOut();

    // The department's member reads its own statement only, and verifies it.
    await signIn(rig.credentials.holders!.air_quality!.key);
    await page.locator("nav.nav a", { hasText: "结算单" }).click();
    expect(await listed(page)).toEqual([holderStatement.id]);
    await page.locator(`tr[data-statement="${holderStatement.id}"] a`).click();
    const holderRow = page.locator('table.stm-lines tbody tr[data-line="air_quality"]');
    await holderRow.waitFor();
    expect((await holderRow.locator("th, td").allTextContents()).slice(0, 2)).toEqual([
      "air_quality",
      operatorId,
    ]);
    await page.locator('button[data-action="verify"]').click();
    await page.locator('.stm-verify[data-valid="true"]').waitFor();
    await screenshots(page, "holder-statement");
    await page.goto(`${rig.url}/statements/${operatorStatement.id}`);
    await page.locator('[data-testid="statement-not-found"]').waitFor();
    await signOut();
  });

  it("auditor: reads every party's statements, filters by party, in either language; the pages pass axe", async () => {
    await signIn(rig.credentials.auditor.key);
    await page.locator("nav.nav a", { hasText: "结算单" }).click();
    await page.waitForURL(`${rig.url}/statements`);
    expect((await listed(page)).length).toBe(2);
    expect(await page.locator('[data-testid="issue-statement"]').count()).toBe(0);
    await page.locator("#stm-filter-party").fill(operatorId);
    await page.locator("form.filters button[type=submit]").click();
    await expect.poll(() => listed(page)).toEqual([operatorStatement.id]);

    // In English.
    await page.locator("header.top button", { hasText: "English" }).click();
    await page.locator("main h1", { hasText: "Settlement statements" }).waitFor();
    await page.locator("nav.nav a", { hasText: "Statements" }).waitFor();
    await page.goto(`${rig.url}/statements/${operatorStatement.id}`);
    await page.locator("table.stm-lines tfoot th", { hasText: "Total" }).waitFor();
    await page.locator('button[data-action="verify"]', { hasText: "Verify the statement" }).click();
    await page.locator(".stm-verify", { hasText: "The statement is valid: every check passed." }).waitFor();
    await screenshots(page, "auditor-statement-en");
    await fitsPhone(page);
    await page.locator("header.top button", { hasText: "中文" }).click();
    await page.locator("main h1", { hasText: "结算单" }).waitFor();
    await signOut();

    for (const [key, paths] of [
      [rig.credentials.bureau.key, ["/statements", `/statements/${operatorStatement.id}`]],
      [rig.credentials.operator.key, ["/statements"]],
    ] as const) {
      axeBrowser ??= await launchAxeBrowser();
      const context = await axeBrowser.newContext({
        bypassCSP: true,
        viewport: { width: 1280, height: 900 },
      });
      try {
        const axePage = await context.newPage();
        axePage.setDefaultTimeout(30_000);
        await signInWith(axePage, rig.url, key);
        for (const path of paths) {
          await axePage.goto(`${rig.url}${path}`);
          await axePage.locator("main h1").waitFor();
          await axePage.waitForFunction("!document.querySelector('main p.muted[role=status]')");
          await axePage.addScriptTag({ content: AXE });
          const violations = await axePage.evaluate<{ id: string; impact: string }[]>(
            `axe.run(document, { resultTypes: ["violations"] }).then((r) =>
              r.violations.map((v) => ({ id: v.id, impact: v.impact })))`,
          );
          const grave = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
          expect({ path, grave }).toEqual({ path, grave: [] });
        }
      } finally {
        await context.close();
      }
    }
  });
});
