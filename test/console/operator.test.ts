import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { DEMO_BUDGET } from "../../control/provisioning.ts";
import { AXE, type ConsoleRig, launchAxeBrowser, screenshots, signInWith, useConsoleRig } from "./harness.ts";

/**
 * The operator's side of the console in headless Chromium against a real gateway: the script
 * editor's dry run (rewritten SQL, rules, ε, release verdict) before submitting, the released
 * output as a table and a chart, the dummy-data preview, and a license application with the
 * gateway's validation shown beside the form; axe-core finds no serious violation on these pages.
 */
let rig: ConsoleRig;
let page: Page;
let jobId: string;

useConsoleRig((started, first) => {
  rig = started;
  page = first;
});

const signIn = (on: Page, key: string) => signInWith(on, rig.url, key);

/** The page fits a 390 px phone without scrolling sideways (wide tables scroll inside their own region). */
async function fitsPhone(on: Page): Promise<void> {
  await on.setViewportSize({ width: 390, height: 844 });
  await on.evaluate("new Promise((resolve) => requestAnimationFrame(() => resolve(null)))");
  expect(await on.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
  await on.setViewportSize({ width: 1280, height: 900 });
}

describe("operator console", () => {
  it("dry-runs a grade-3 aggregate: rewritten SQL, rules, ε and the release verdict, before submitting", async () => {
    await signIn(page, rig.credentials.operator.key);
    await page.locator("nav.nav a", { hasText: "作业" }).click();
    await page.waitForURL(`${rig.url}/jobs`);

    // The editor is CodeMirror, labelled by the visible label, and keyboard-reachable.
    const content = page.locator('[data-testid="script-editor"] .cm-content');
    await content.waitFor();
    expect(await content.getAttribute("aria-labelledby")).toBe("job-script-label");
    expect(await page.locator("#job-script-label").textContent()).toContain("脚本");
    expect(await page.locator('[data-testid="script-editor"] .cm-lineNumbers').count()).toBe(1);
    await page.locator("#job-example").focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate<string>("document.activeElement?.id ?? ''")).toBe("job-script");
    // Tab is not trapped: it leaves the editor for the next control.
    await page.keyboard.press("Tab");
    expect(await page.evaluate<string>("document.activeElement?.textContent ?? ''")).toBe("试运行");

    await page.locator("#job-example").selectOption("population");
    await expect.poll(() => content.textContent()).toContain("FROM population GROUP BY district");
    // Typing goes into the script the form submits.
    await content.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("// checked by the dry run");

    await page.locator("button", { hasText: "试运行" }).click();
    const report = page.locator('[data-testid="dry-run"]');
    await report.waitFor({ timeout: 60_000 });
    expect(await report.getAttribute("data-status")).toBe("released");
    await expect(page.locator('[data-testid="dry-run-verdict"]').textContent()).resolves.toContain(
      "输出将自动发布",
    );
    const query = report.locator('[data-query="0"]');
    expect(await query.getAttribute("data-verdict")).toBe("allowed");
    await expect(query.locator('[data-testid="rewritten-sql"]').textContent()).resolves.toMatch(
      /^WITH __rows AS/,
    );
    await expect(query.locator('[data-testid="query-epsilon"]').textContent()).resolves.toBe(
      `ε ${DEMO_BUDGET.perQuery}`,
    );
    // Rules and protections in words.
    await expect(query.textContent()).resolves.toContain("district（population）：可作分组维度");
    await expect(query.locator('[data-testid="query-rewrites"]').textContent()).resolves.toMatch(
      /离散拉普拉斯噪声.*|少于 \d+ 个个体的分组被隐藏/,
    );
    await expect(page.locator('[data-testid="dry-run-epsilon"]').textContent()).resolves.toContain(
      "population",
    );
    await screenshots(page, "operator-dry-run");
    await fitsPhone(page);

    // Nothing was spent by the dry run.
    const { key, license } = rig.credentials.operator;
    const budget = (await (await rig.apiAs(key, `/v1/licenses/${license}`)).json()) as {
      budget: { dataset: string; spent: number }[];
    };
    expect(budget.budget.find((b) => b.dataset === "population")?.spent).toBe(0);

    // Changing the script marks the report stale.
    await content.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(" ");
    await page.locator('[data-testid="dry-run"] .notice').waitFor();
  });

  it("submits it and reads the released output as a table and a chart", async () => {
    await page.locator("form button[type=submit]").click();
    await page.waitForURL(/\/jobs\/job_/);
    jobId = page.url().split("/").at(-1)!;
    await page.locator('.events [data-event="finished"]').waitFor({ timeout: 60_000 });
    await expect(page.locator(".job-status .badge").textContent()).resolves.toBe("已发布");
    const output = page.locator('[data-output="by_district"]');
    const rows = output.locator("table tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThan(0);
    // Each noisy figure reads with ± its 95% interval, and the note under the table says what ± is.
    expect(await rows.first().locator(".noisy .ci").count()).toBeGreaterThan(0);
    await expect(rows.first().locator(".noisy .ci").first().textContent()).resolves.toMatch(/^±[\d,.]+$/);
    await expect(output.locator(".accuracy-note").textContent()).resolves.toContain("95% 区间");
    const chart = output.locator('[data-testid="output-chart"]');
    await chart.locator("canvas").first().waitFor();
    expect(await chart.getAttribute("role")).toBe("img");
    expect(await chart.getAttribute("aria-label")).toMatch(
      /^柱状图：by_district.*residents.*表格中是相同的数据/,
    );
    await screenshots(page, "operator-job-chart");
    await fitsPhone(page);

    // The chart can be hidden; the table stays.
    const toggle = output.locator("button[aria-expanded]");
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    expect(await output.locator("canvas").count()).toBe(0);
    expect(await rows.count()).toBeGreaterThan(0);
    await toggle.click();
    await chart.locator("canvas").first().waitFor();
  });

  it("previews synthetic rows on the dataset page, labelled as synthetic", async () => {
    await page.goto(`${rig.url}/catalog/population`);
    const preview = page.locator('[data-testid="dummy-preview"]');
    await preview.locator("tbody tr").first().waitFor();
    expect(await preview.locator("tbody tr").count()).toBe(20);
    await expect(preview.locator("h2").textContent()).resolves.toContain("合成数据");
    await expect(preview.locator("caption").textContent()).resolves.toContain("非真实");
    // The identifiers are of a format that can never be real (division code 990000).
    const ids = await preview.locator("tbody td", { hasText: /^\d{17}[\dX]$/ }).allTextContents();
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id.startsWith("99"))).toBe(true);
    await screenshots(page, "operator-dataset-dummy");
    await fitsPhone(page);
  });

  it("applies for a license: the gateway's validation shows beside the form, then it is listed", async () => {
    await page.locator("nav.nav a", { hasText: "许可申请" }).click();
    await page.waitForURL(`${rig.url}/applications`);
    await page.locator('[data-app-dataset="population"] input[type=checkbox]').check();
    await page.locator("#app-population-total").fill("5");
    await page.locator('[data-app-dataset="air_quality"] input[type=checkbox]').check();
    await expect(page.locator("#app-purpose").inputValue()).resolves.toBe("urban-analytics");
    // No scenario: the gateway refuses and names the field.
    await page.locator("form.op-app-form button[type=submit]").click();
    const problem = page.locator("#op-app-problem [role=alert]");
    await problem.waitFor();
    await expect(problem.textContent()).resolves.toContain("scenario");
    expect(await page.locator("#app-scenario").getAttribute("aria-invalid")).toBe("true");
    await screenshots(page, "operator-application-invalid");

    await page
      .locator("#app-scenario")
      .fill("各区常住人口与空气质量的关联分析 · districts' population and air quality");
    await page.locator("#app-quota-jobsPerDay").fill("20");
    await page.locator("form.op-app-form button[type=submit]").click();
    await page.locator(".op-app-form .notice[role=status]").waitFor();
    expect(await page.locator("#op-app-problem").count()).toBe(0);
    const card = page.locator("[data-application]").first();
    await card.waitFor();
    await expect(card.textContent()).resolves.toContain("air_quality, population");
    const listed = (await (await rig.apiAs(rig.credentials.operator.key, "/v1/applications")).json()) as {
      applications: { id: string; document: { quotas: Record<string, number> } }[];
    };
    expect(listed.applications).toHaveLength(1);
    expect(listed.applications[0]!.document.quotas).toEqual({ jobsPerDay: 20 });
    expect(await card.getAttribute("data-application")).toBe(listed.applications[0]!.id);
    await screenshots(page, "operator-applications");
    await fitsPhone(page);
  });

  it("has no serious or critical axe violation on the jobs, job, dataset and applications pages", async () => {
    // The console's CSP forbids injected scripts, as it should: axe runs in a context that bypasses
    // it, used for this check only.
    let browser: Browser | undefined;
    try {
      browser = await launchAxeBrowser();
      const context = await browser.newContext({ bypassCSP: true, locale: "zh-CN" });
      const axePage = await context.newPage();
      axePage.setDefaultTimeout(30_000);
      await signIn(axePage, rig.credentials.operator.key);
      const pages: [string, string, () => Promise<void>][] = [
        [
          "jobs",
          "/jobs",
          async () => {
            await axePage.locator("#job-example").selectOption("population");
            await axePage.locator("button", { hasText: "试运行" }).click();
            await axePage.locator('[data-testid="dry-run"]').waitFor({ timeout: 60_000 });
          },
        ],
        [
          "job",
          `/jobs/${jobId}`,
          () => axePage.locator('[data-testid="output-chart"] canvas').first().waitFor(),
        ],
        [
          "dataset",
          "/catalog/population",
          () => axePage.locator('[data-testid="dummy-preview"] tbody tr').first().waitFor(),
        ],
        ["applications", "/applications", () => axePage.locator("[data-application]").first().waitFor()],
      ];
      for (const [name, path, ready] of pages) {
        await axePage.goto(`${rig.url}${path}`);
        await ready();
        await axePage.addScriptTag({ content: AXE });
        const violations = await axePage.evaluate<{ id: string; impact: string; nodes: number }[]>(`
          axe.run(document, { resultTypes: ["violations"] }).then((r) =>
            r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
              targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) })))`);
        const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        expect({ page: name, serious }).toEqual({ page: name, serious: [] });
      }
    } finally {
      await browser?.close();
    }
  }, 120_000);
});
