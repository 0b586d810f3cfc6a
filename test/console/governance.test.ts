import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { dummyUscc } from "../../control/dummy-data.ts";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { startGateway } from "../../gateway/server.ts";
import { silentLogger } from "../../telemetry/log.ts";
import {
  AXE,
  type ConsoleRig,
  fitsPhone,
  launchAxeBrowser,
  screenshots,
  scriptReadableStorage,
  signInWith,
  signOutOf,
  useConsoleRig,
} from "./harness.ts";

/**
 * The governance pages (bureau, holder, auditor) in headless Chromium against a real gateway on the
 * demo domain: each role does its task through the page; the scene is set through the API.
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

/** Waits until the page's data has loaded (no "loading" status left in the main area). */
async function settled(p: Page): Promise<void> {
  await p.locator("main h1").first().waitFor();
  await p.waitForFunction("!document.querySelector('main p.muted[role=status]')");
}

/**
 * axe-core on each path, signed in as `key`, in a separate context with `bypassCSP` (axe is injected
 * as an inline script, which the console's CSP rightly refuses): no serious or critical violation.
 */
async function expectAccessible(key: string, paths: readonly string[]): Promise<void> {
  axeBrowser ??= await launchAxeBrowser();
  const context = await axeBrowser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    const axePage = await context.newPage();
    axePage.setDefaultTimeout(30_000);
    await signInWith(axePage, rig.url, key);
    for (const path of paths) {
      await axePage.goto(`${rig.url}${path}`);
      await settled(axePage);
      await axePage.addScriptTag({ content: AXE });
      const violations = await axePage.evaluate<{ id: string; impact: string; nodes: unknown[] }[]>(
        `axe.run(document, { resultTypes: ["violations"] }).then((r) =>
          r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target) })))`,
      );
      const grave = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect({ path, grave }).toEqual({ path, grave: [] });
    }
  } finally {
    await context.close();
  }
}

const json = async <T>(response: Response): Promise<T> => {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
  return JSON.parse(text) as T;
};

/** An application document for the demo operator, on the given datasets. */
async function applicationFor(datasets: unknown[]): Promise<Record<string, unknown>> {
  const { key, license } = rig.credentials.operator;
  const view = await json<{ license: { purpose: string } }>(await rig.apiAs(key, `/v1/licenses/${license}`));
  const now = Date.now();
  return {
    datasets,
    purpose: view.license.purpose,
    scenario: "治理页面测试 · console governance test",
    validFrom: new Date(now - 60_000).toISOString(),
    validTo: new Date(now + 30 * 86_400_000).toISOString(),
  };
}

interface ReleasedJob {
  id: string;
  status: string;
  outputs: Record<string, Record<string, unknown>[]>;
  receipt: { payload: string; signature: string };
}

/** A job of the demo operator, released through the gate (the Jobs page's example); by default on the rig's domain. */
async function releasedJob(
  on: { url: string; key: string; license: string } = { url: rig.url, ...rig.credentials.operator },
): Promise<ReleasedJob> {
  const { key, license } = on;
  const call = (path: string, init?: { method: string; body: unknown }) =>
    fetch(`${on.url}${path}`, {
      method: init?.method ?? "GET",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(init ? { body: JSON.stringify(init.body) } : {}),
    });
  const script = `export default async function main(ctx) {
  const byStation = await ctx.sql("SELECT station, count(*) AS n, avg(aqi) AS mean_aqi FROM air_quality GROUP BY station ORDER BY station");
  return { by_station: byStation };
}`;
  const { id } = await json<{ id: string }>(
    await call("/v1/jobs", { method: "POST", body: { script, license } }),
  );
  const job = await json<ReleasedJob>(await call(`/v1/jobs/${id}?wait=60`));
  expect(job.status).toBe("released");
  expect(job.receipt).toBeDefined();
  return job;
}

describe("governance pages in a real browser", () => {
  it("bureau: approves an application, manages operators, licenses, freezes, reads tariffs; cannot decide its own proposal", async () => {
    const operator = rig.credentials.operator;
    const submitted = await json<{ id: string; status: string }>(
      await rig.apiAs(operator.key, "/v1/applications", {
        method: "POST",
        body: await applicationFor([{ name: "air_quality" }]),
      }),
    );
    // Grade 1 data: no holder's consent, straight to the bureau.
    expect(submitted.status).toBe("awaiting_approval");

    await signIn(rig.credentials.bureau.key);
    await page.locator("nav.nav a", { hasText: "许可申请审批" }).click();
    await page.waitForURL(`${rig.url}/bureau/applications`);
    const card = page.locator(`[data-application="${submitted.id}"]`);
    await card.waitFor();
    await screenshots(page, "bureau-applications");
    // A refusal needs a reason: the form says so before asking the gateway.
    await card.locator('button[data-action="refuse"]').click();
    await card.locator('form[data-action-form="refuse"] button[type=submit]').click();
    await expect(card.locator("form [role=alert]").textContent()).resolves.toContain("请填写理由");
    await card.locator('form[data-action-form="refuse"] button', { hasText: "取消" }).click();
    await card.locator('button[data-action="approve"]').click();
    await card.locator('form[data-action-form="approve"] textarea').fill("用途与场景相符 · purpose matches");
    await card.locator('form[data-action-form="approve"] button[type=submit]').click();
    await page.locator("main .notice[role=status]").waitFor();
    const decided = await json<{ status: string; licenseId: string | null }>(
      await rig.apiAs(rig.credentials.bureau.key, `/v1/applications/${submitted.id}`),
    );
    expect(decided.status).toBe("approved");
    expect(decided.licenseId).toMatch(/\S/);
    // It left the queue of applications awaiting approval.
    await card.waitFor({ state: "detached" });

    // Operators: suspend with a reason, then reinstate.
    await page.locator("nav.nav a", { hasText: "开发主体" }).click();
    await page.waitForURL(`${rig.url}/operators`);
    const opCard = page.locator("[data-operator]").first();
    await opCard.waitFor();
    await screenshots(page, "bureau-operators");
    await opCard.locator('button[data-action="suspend"]').click();
    await opCard.locator("textarea").fill("资质复核中 · qualification under review");
    await opCard.locator('form[data-action-form="suspend"] button[type=submit]').click();
    await opCard.locator(".badge", { hasText: "已暂停" }).waitFor();
    await opCard.locator('button[data-action="reinstate"]').click();
    await opCard.locator("textarea").fill("复核通过 · review passed");
    await opCard.locator('form[data-action-form="reinstate"] button[type=submit]').click();
    await opCard.locator(".badge", { hasText: "有效" }).waitFor();

    // Licenses: the new license suspended and reinstated with reasons.
    await page.locator("nav.nav a", { hasText: /^许可$/ }).click();
    const licCard = page.locator(`[data-license="${decided.licenseId}"]`);
    await licCard.waitFor();
    await screenshots(page, "bureau-licenses");
    await licCard.locator('button[data-action="suspend"]').click();
    await licCard.locator("textarea").fill("核查使用情况 · checking its use");
    await licCard.locator('form[data-action-form="suspend"] button[type=submit]').click();
    await licCard.locator(".badge", { hasText: "已暂停" }).waitFor();

    // Freezes: impose one on that license, then ask for its lifting (a proposal for a second officer).
    await page.locator("nav.nav a", { hasText: "紧急冻结" }).click();
    await page.locator("#gov-freeze-scope").selectOption("license");
    await page.locator("#gov-freeze-target").fill(decided.licenseId!);
    await page.locator("#gov-freeze-reason").fill("疑似越权使用 · suspected misuse");
    await page.locator("form.gov-form button[type=submit]").click();
    const freeze = page.locator("[data-freeze]").first();
    await freeze.locator(".badge", { hasText: "冻结中" }).waitFor();
    await freeze.locator('button[data-action="lift"]').click();
    await freeze.locator("textarea").fill("核查完毕 · review complete");
    await freeze.locator('form[data-action-form="lift"] button[type=submit]').click();
    await page.locator("main .notice[role=status]", { hasText: "解除" }).waitFor();
    await screenshots(page, "bureau-freezes");

    // A first tariff only raises prices (from none): in force at once, and listed.
    const tariff = await rig.apiAs(rig.credentials.bureau.key, "/v1/tariffs", {
      method: "PUT",
      body: {
        currency: "CNY",
        perJob: 2,
        perCpuSecond: 0.05,
        perQuery: 0.2,
        perEpsilon: 10,
        perOutputCell: 0.001,
        perThousandRowsScanned: 0.01,
        datasetMultipliers: { population: 1.5 },
        note: "2026 年价格 · 2026 prices",
      },
    });
    expect(tariff.status).toBe(201);
    await page.locator("nav.nav a", { hasText: "收费标准" }).click();
    await page.waitForURL(`${rig.url}/bureau/tariffs`);
    await page.locator('[data-tariff="1"]').waitFor();
    await screenshots(page, "bureau-tariffs");

    // The lifting proposal is this officer's own: its decision buttons are disabled, with the reason.
    await page.locator("nav.nav a", { hasText: "变更提案" }).click();
    const own = page.locator('[data-proposal] [data-decision] button[data-action="approve"]').first();
    await own.waitFor();
    expect(await own.isDisabled()).toBe(true);
    await expect(page.locator(".gov-own").first().textContent()).resolves.toContain("另一名工作人员");
    await screenshots(page, "bureau-proposals-decision");
    await signOut();

    // A second officer approves it from the same page.
    await signIn(rig.credentials.bureau2!.key);
    await page.locator("nav.nav a", { hasText: "变更提案" }).click();
    const decision = page.locator("[data-decision]").first();
    await decision.locator('button[data-action="approve"]').click();
    await decision.locator('form[data-action-form="approve"] button[type=submit]').click();
    await page.locator("[data-proposal]", { hasText: "approved" }).first().waitFor();
    await signOut();

    await expectAccessible(rig.credentials.bureau.key, [
      "/bureau/applications",
      "/operators",
      "/bureau/licenses",
      "/bureau/freezes",
      "/bureau/tariffs",
      "/proposals",
      "/audit/policies",
    ]);
  });

  it("holder: consents to an application touching its dataset, and sees the use of its data charted", async () => {
    const submitted = await json<{ id: string; status: string; awaiting: { consents: string[] } }>(
      await rig.apiAs(rig.credentials.operator.key, "/v1/applications", {
        method: "POST",
        body: await applicationFor([
          { name: "population", epsilon: { perQuery: 0.5, total: 10, period: "month" } },
        ]),
      }),
    );
    expect(submitted.status).toBe("awaiting_consent");
    expect(submitted.awaiting.consents).toEqual(["population"]);

    // Use of the holder's data to chart: a job of the operator on population.
    const { key, license } = rig.credentials.operator;
    const { id: jobId } = await json<{ id: string }>(
      await rig.apiAs(key, "/v1/jobs", {
        method: "POST",
        body: {
          script: `export default async (ctx) => ({ by_district: await ctx.sql("SELECT district, count(*) AS n FROM population GROUP BY district") })`,
          license,
        },
      }),
    );
    const finished = await json<{ status: string }>(await rig.apiAs(key, `/v1/jobs/${jobId}?wait=60`));
    expect(["released", "held"]).toContain(finished.status);

    const holder = rig.credentials.holders!.population!;
    await signIn(holder.key);
    await page.locator("nav.nav a", { hasText: "待同意申请" }).click();
    const card = page.locator(`[data-application="${submitted.id}"]`);
    await card.waitFor();
    const consent = card.locator('[data-consent="population"]');
    await consent.locator('button[data-action="consent"]').click();
    await screenshots(page, "holder-consent");
    await consent.locator("textarea").fill("用途明确，同意 · consented");
    await consent.locator('form[data-action-form="consent"] button[type=submit]').click();
    await card.waitFor({ state: "detached" });
    const after = await json<{ status: string; decisions: { decision: string; dataset: string }[] }>(
      await rig.apiAs(holder.key, `/v1/applications/${submitted.id}`),
    );
    expect(after.status).toBe("awaiting_approval");
    expect(after.decisions).toEqual([
      expect.objectContaining({ decision: "consent", dataset: "population" }),
    ]);

    await page.locator("nav.nav a", { hasText: "数据使用情况" }).click();
    await page.waitForURL(`${rig.url}/holder/usage`);
    await page.locator(".gov-chart-canvas canvas").waitFor();
    // Only the holder's own dataset is in its usage.
    const datasets = await page.locator(".gov-usage-lines tbody td:nth-child(3)").allTextContents();
    expect(datasets.length).toBeGreaterThan(0);
    expect(new Set(datasets)).toEqual(new Set(["population"]));
    await screenshots(page, "holder-usage");
    await signOut();
    await expectAccessible(holder.key, ["/holder/applications", "/holder/usage"]);
  });

  it("auditor: verifies a real receipt as valid and a tampered one as invalid, in the browser", async () => {
    const job = await releasedJob();
    const output = job.outputs.by_station!;
    expect(output.length).toBeGreaterThan(0);

    await signIn(rig.credentials.auditor.key);
    await page.locator("nav.nav a", { hasText: "核验回执" }).click();
    await page.waitForURL(`${rig.url}/audit/receipts`);
    await page.locator("#gov-receipt-json").fill(JSON.stringify(job.receipt, null, 2));
    await page.locator("#gov-output-json").fill(JSON.stringify(output, null, 2));
    await page.locator("form.gov-receipt button[type=submit]").click();
    const result = page.locator(".gov-receipt-result");
    await result.waitFor();
    expect(await result.getAttribute("data-valid")).toBe("true");
    await expect(result.textContent()).resolves.toContain("by_station");
    await expect(result.textContent()).resolves.toContain(job.id);
    await expect(result.textContent()).resolves.toContain("Ed25519 签名 · SHA-256 摘要");
    await screenshots(page, "auditor-receipt-valid");

    // One value changed: the output no longer hashes as the receipt lists.
    const tampered = output.map((row, index) => (index === 0 ? { ...row, n: Number(row.n) + 1 } : row));
    await page.locator("#gov-output-json").fill(JSON.stringify(tampered));
    await page.locator("form.gov-receipt button[type=submit]").click();
    await page.locator('.gov-receipt-result[data-valid="false"]').waitFor();
    await expect(result.textContent()).resolves.toMatch(/篡改.*输出 by_station 的哈希与回执所列不符/);
    await screenshots(page, "auditor-receipt-tampered");

    // A forged signature fails too, whatever the output.
    const forged = { ...job.receipt, signature: `${job.receipt.signature.slice(0, -4)}AAAA` };
    await page.locator("#gov-receipt-json").fill(JSON.stringify(forged));
    await page.locator("#gov-output-json").fill(JSON.stringify(output));
    await page.locator("form.gov-receipt button[type=submit]").click();
    await page.locator(".gov-receipt-result", { hasText: "签名与数据域公钥不符" }).waitFor();
  });

  it("auditor: verifies a receipt of an SM-profile domain (SM2, SM3) in the browser, and refuses a tampered output", async () => {
    // A second domain, started in the sm crypto profile.
    const dataDir = await mkdtemp(join(tmpdir(), "aos-console-sm-"));
    const sm = await startGateway(
      loadConfig({
        DATA_DIR: dataDir,
        PORT: "0",
        SEED_SCALE: "0.002",
        SANDBOX_WORKERS: "1",
        CRYPTO_PROFILE: "sm",
      }),
      silentLogger,
    );
    let context: BrowserContext | undefined;
    try {
      // A browser context of its own: cookies are per host, not per port, so this domain's session
      // must not replace the rig's.
      axeBrowser ??= await launchAxeBrowser();
      context = await axeBrowser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
      const tab = await context.newPage();
      tab.setDefaultTimeout(30_000);
      const credentials = JSON.parse(
        await readFile(join(dataDir, "demo-credentials.json"), "utf8"),
      ) as DemoCredentials;
      const job = await releasedJob({ url: sm.url, ...credentials.operator });
      const listed = JSON.parse(Buffer.from(job.receipt.payload, "base64url").toString("utf8"));
      expect(listed.key).toMatch(/^sm3:/);
      expect(listed.outputs[0]).toHaveProperty("sm3");
      const output = job.outputs.by_station!;

      await signInWith(tab, sm.url, credentials.auditor.key);
      await tab.locator("nav.nav a", { hasText: "核验回执" }).click();
      await tab.waitForURL(`${sm.url}/audit/receipts`);
      const check = async (receipt: unknown, rows: unknown) => {
        await tab.locator("#gov-receipt-json").fill(JSON.stringify(receipt));
        await tab.locator("#gov-output-json").fill(JSON.stringify(rows));
        await tab.locator("form.gov-receipt button[type=submit]").click();
      };
      await check(job.receipt, output);
      const result = tab.locator('.gov-receipt-result[data-valid="true"]');
      await result.waitFor();
      await expect(result.textContent()).resolves.toContain("by_station");
      await expect(result.textContent()).resolves.toContain("SM2 签名 · SM3 摘要");
      await screenshots(tab, "auditor-receipt-sm-valid");

      const tampered = output.map((row, index) => (index === 0 ? { ...row, n: Number(row.n) + 1 } : row));
      await check(job.receipt, tampered);
      await tab
        .locator('.gov-receipt-result[data-valid="false"]', {
          hasText: "输出 by_station 的哈希与回执所列不符",
        })
        .waitFor();

      // A receipt of the international domain next door is not this SM2 key's signature.
      const ed25519 = await releasedJob();
      await check(ed25519.receipt, ed25519.outputs.by_station);
      await tab
        .locator('.gov-receipt-result[data-valid="false"]', { hasText: "签名与数据域公钥不符" })
        .waitFor();
    } finally {
      await context?.close();
      await sm.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it("auditor: signs a checkpoint, charts usage over time, reads a dataset's policy history as a diff", async () => {
    await page.locator("nav.nav a", { hasText: "签名检查点" }).click();
    await page.waitForURL(`${rig.url}/audit/checkpoints`);
    await settled(page);
    await page.locator('button[data-action="checkpoint"]').click();
    await page.locator("main .notice[role=status]", { hasText: "已签署检查点" }).waitFor();
    await page.locator('[data-testid="latest-checkpoint"]', { hasText: "#" }).waitFor();
    await screenshots(page, "auditor-checkpoints");

    await page.locator("nav.nav a", { hasText: "使用统计" }).click();
    await page.waitForURL(`${rig.url}/audit/usage`);
    const canvas = page.locator(".gov-chart-canvas canvas");
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    expect(box?.width).toBeGreaterThan(200);
    expect(box?.height).toBeGreaterThan(100);
    expect(await page.locator(".gov-usage-table tbody tr").count()).toBeGreaterThan(0);
    await screenshots(page, "auditor-usage");

    // A tightening publishes a new version at once: air_quality's 2nd version, then its diff.
    const bureauKey = rig.credentials.bureau.key;
    const { manifest } = await json<{ manifest: Record<string, unknown> & { minGroupSize?: number } }>(
      await rig.apiAs(bureauKey, "/v1/datasets/air_quality"),
    );
    const published = await rig.apiAs(bureauKey, "/v1/datasets/air_quality/policy?note=stricter", {
      method: "PUT",
      body: { ...manifest, minGroupSize: (manifest.minGroupSize ?? 5) + 5 },
    });
    expect(published.status).toBe(201);
    await page.locator("nav.nav a", { hasText: "策略历史" }).click();
    await page.waitForURL(`${rig.url}/audit/policies`);
    await page.locator("#gov-policy-dataset").selectOption("air_quality");
    await page.locator(".gov-policy-versions tbody tr").nth(1).waitFor();
    const change = page.locator('.gov-policy-diff [data-path="minGroupSize"]');
    await change.waitFor();
    await expect(change.textContent()).resolves.toMatch(/(新增|修改).*minGroupSize.*10/);
    await screenshots(page, "auditor-policy-history");
    await signOut();
    await expectAccessible(rig.credentials.auditor.key, [
      "/audit/checkpoints",
      "/audit/receipts",
      "/audit/usage",
      "/audit/policies",
    ]);
  });

  it("operator: opening the bureau's operators page is refused, and so is the API", async () => {
    await signIn(rig.credentials.operator.key);
    await page.goto(`${rig.url}/operators`);
    await page.locator(".refused h1").waitFor();
    await expect(page.locator(".refused h1").textContent()).resolves.toBe("此页面不对您的角色开放");
    expect((await rig.apiAs(rig.credentials.operator.key, "/v1/operators")).status).toBe(403);
    await screenshots(page, "operator-refused-operators");
    // The tariffs page with its form is the bureau's too; setting a tariff is refused by the API.
    await page.goto(`${rig.url}/bureau/tariffs`);
    await page.locator(".refused h1").waitFor();
    expect(await page.locator('[data-testid="set-tariff"]').count()).toBe(0);
    const put = await rig.apiAs(rig.credentials.operator.key, "/v1/tariffs", {
      method: "PUT",
      body: {
        currency: "CNY",
        perCpuSecond: 0,
        perQuery: 0,
        perEpsilon: 0,
        perOutputCell: 0,
        perThousandRowsScanned: 0,
      },
    });
    expect(put.status).toBe(403);
    await signOut();
  });

  it("bureau: admits an operator and sees its key once; a bad credit code and a duplicate get the gateway's words", async () => {
    const bureauKey = rig.credentials.bureau.key;
    const uscc = dummyUscc(424_242);
    const badUscc = `${uscc.slice(0, 17)}${uscc[17] === "0" ? "1" : "0"}`;
    const name = "交通规划研究组 · transport planning team";
    await signIn(bureauKey);
    await page.locator("nav.nav a", { hasText: "开发主体" }).click();
    await page.waitForURL(`${rig.url}/operators`);
    const form = page.locator('[data-testid="admit-operator"]');
    await form.waitFor();
    expect(await page.locator('label[for="gov-admit-uscc"]').textContent()).toContain("18 位");
    const fill = async (code: string) => {
      await page.locator("#gov-admit-name").fill(name);
      await page.locator("#gov-admit-organization").fill("示例城市数据科技有限公司");
      await page.locator("#gov-admit-uscc").fill(code);
      await page.locator("#gov-admit-contact").fill("张敏");
      await page.locator("#gov-admit-email").fill("zhang.min@example.cn");
      await page.locator("#gov-admit-certificate").fill("DSA-2026-0042");
      await page.locator("#gov-admit-valid-to").fill("2027-12-31");
      await page.locator("#gov-admit-purposes").fill("城市交通规划研究\n空气质量与出行关联分析");
    };

    // A wrong check character: the gateway's own message, beside the form; the field marked invalid.
    await fill(badUscc);
    await form.locator("button[type=submit]").click();
    const error = form.locator("[role=alert]");
    await error.waitFor();
    await expect(error.textContent()).resolves.toContain(
      "qualification.uscc: not a valid unified social credit code (GB 32100-2015)",
    );
    expect(await page.locator("#gov-admit-uscc").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator('[data-testid="issued-key"]').count()).toBe(0);

    // Corrected and sent from the keyboard (Enter in a field submits the form).
    await page.locator("#gov-admit-uscc").fill(uscc);
    await page.locator("#gov-admit-uscc").press("Enter");
    const box = page.locator('[data-testid="issued-key"]');
    await box.waitFor();
    await expect(box.textContent()).resolves.toContain(
      "仅显示这一次——请立即交给该开发主体；之后无法再次显示。",
    );
    expect(await page.evaluate<string>("document.activeElement?.dataset.testid ?? ''")).toBe("issued-key");
    const key = (await box.locator(".gov-key-value").textContent()) ?? "";
    expect(key).toMatch(/^aos_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    // It is the new operator's working key.
    expect((await rig.apiAs(key, "/v1/datasets")).status).toBe(200);
    const { operators } = await json<{
      operators: { name: string; qualification: { uscc: string } | null }[];
    }>(await rig.apiAs(bureauKey, "/v1/operators"));
    expect(operators.filter((op) => op.qualification?.uscc === uscc).map((op) => op.name)).toEqual([name]);
    await page.locator("[data-operator]", { hasText: name }).waitFor();

    // The copy button puts it on the clipboard.
    await rig.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: rig.url });
    await box.locator("button", { hasText: "复制密钥" }).click();
    await box.locator("[role=status]", { hasText: "已复制到剪贴板" }).waitFor();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(key);
    await page.evaluate("navigator.clipboard.writeText('')");

    // No script-readable storage holds it.
    expect(JSON.stringify(await scriptReadableStorage(page))).not.toContain(key);
    await screenshots(page, "bureau-operator-admitted");
    await fitsPhone(page);

    // After a reload it is gone for good.
    await page.reload();
    await form.waitFor();
    await page.locator("[data-operator]", { hasText: name }).waitFor();
    expect(await box.count()).toBe(0);
    expect(await page.content()).not.toContain(key);

    // The same credit code again: 409, worded by the gateway.
    await fill(uscc);
    await form.locator("button[type=submit]").click();
    await expect(error.textContent()).resolves.toContain("already admitted");
    expect(await box.count()).toBe(0);

    // Another operator: its key box closes when the officer dismisses it, focus back on the form.
    await page.locator("#gov-admit-uscc").fill(dummyUscc(424_243));
    await form.locator("button[type=submit]").click();
    await box.waitFor();
    await box.locator("button", { hasText: "已交付，关闭" }).click();
    await box.waitFor({ state: "detached" });
    expect(await page.evaluate<string>("document.activeElement?.id ?? ''")).toBe("gov-admit-name");
    await screenshots(page, "bureau-operators-admit");
  });

  it("bureau: raises a price (in force now), lowers one (a proposal named, for a second officer)", async () => {
    const bureauKey = rig.credentials.bureau.key;
    const round = (x: number) => Math.round(x * 10_000) / 10_000;
    const before = await json<{
      current: { version: number; tariff: { perJob: number; perQuery: number } } | null;
    }>(await rig.apiAs(bureauKey, "/v1/tariffs"));
    const version = before.current?.version ?? 0;
    const perJob = before.current?.tariff.perJob ?? 0;
    const perQuery = before.current?.tariff.perQuery ?? 0;

    await page.locator("nav.nav a", { hasText: "收费标准" }).click();
    await page.waitForURL(`${rig.url}/bureau/tariffs`);
    const form = page.locator('[data-testid="set-tariff"]');
    await form.waitFor();
    // Prefilled from the tariff in force.
    expect(await page.locator("#gov-tariff-perJob").inputValue()).toBe(String(perJob));

    // Raising two prices: nothing lowers, in force as soon as it is sent.
    await page.locator("#gov-tariff-perJob").fill(String(round(perJob + 1)));
    await page.locator("#gov-tariff-perQuery").fill(String(round(perQuery + 0.5)));
    expect(await form.locator("[data-lowers]").count()).toBe(0);
    await expect(form.locator('[data-testid="tariff-summary"]').textContent()).resolves.toContain("立即生效");
    await form.locator("button[type=submit]").click();
    await page.locator("main .notice", { hasText: `第 ${version + 1} 版收费标准已生效` }).waitFor();
    await page.locator(`[data-tariff="${version + 1}"]`).waitFor();
    const raised = await json<{ current: { version: number; tariff: { perJob: number; perQuery: number } } }>(
      await rig.apiAs(bureauKey, "/v1/tariffs"),
    );
    expect(raised.current.version).toBe(version + 1);
    expect(raised.current.tariff.perJob).toBe(round(perJob + 1));

    // Lowering one: shown before sending, beside the field and in the summary.
    const perQueryField = page.locator("#gov-tariff-perQuery");
    await perQueryField.waitFor();
    expect(await perQueryField.inputValue()).toBe(String(round(perQuery + 0.5)));
    await perQueryField.fill(String(round(perQuery + 0.25)));
    const lowers = form.locator('[data-lowers="perQuery"]');
    await expect(lowers.textContent()).resolves.toContain("需另一名工作人员批准");
    expect(await perQueryField.getAttribute("aria-describedby")).toBe("gov-tariff-perQuery-hint");
    await expect(form.locator('[data-testid="tariff-summary"]').textContent()).resolves.toContain("每查询");
    expect(await form.locator("[data-lowers]").count()).toBe(1);
    await screenshots(page, "bureau-tariff-lowering");
    await fitsPhone(page);
    await form.locator("button[type=submit]").click();
    const created = page.locator("main .notice [data-proposal-created]");
    await created.waitFor();
    const id = (await created.getAttribute("data-proposal-created")) ?? "";
    await expect(created.textContent()).resolves.toContain(`已创建提案 ${id}`);
    const { proposals } = await json<{ proposals: { id: string; kind: string; status: string }[] }>(
      await rig.apiAs(bureauKey, "/v1/proposals"),
    );
    expect(proposals.find((p) => p.id === id)).toMatchObject({ kind: "tariff", status: "pending" });
    // Still version + 1 in force until a second officer approves.
    const still = await json<{ current: { version: number } }>(await rig.apiAs(bureauKey, "/v1/tariffs"));
    expect(still.current.version).toBe(version + 1);
    await screenshots(page, "bureau-tariff-proposed");

    await created.locator("a", { hasText: "前往变更提案" }).click();
    await page.waitForURL(`${rig.url}/proposals`);
    await page.locator(`[data-proposal="${id}"]`).waitFor();
    await signOut();
    await expectAccessible(bureauKey, ["/operators", "/bureau/tariffs"]);
  });
});
