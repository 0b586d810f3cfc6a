import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  type ConsoleRig,
  pageFetch,
  screenshots,
  scriptReadableStorage,
  signInWith,
  signOutOf,
  useConsoleRig,
} from "./harness.ts";

/**
 * The console in headless Chromium against a real gateway on the demo domain: each role signs in
 * with its demo key and does its main task; nothing of a key or session reaches script-readable
 * storage; a role opening another role's page is refused.
 */
let rig: ConsoleRig;
let page: Page;

useConsoleRig((started, first) => {
  rig = started;
  page = first;
});

const signIn = (key: string) => signInWith(page, rig.url, key);
const signOut = () => signOutOf(page);

/** The id of the element that has the keyboard focus. */
const focusedId = () => page.evaluate<string>("document.activeElement?.id ?? ''");

/** Asserts no key and no session token is readable by the page's script. */
async function expectNothingSecretStored(...keys: string[]): Promise<void> {
  const storage = await scriptReadableStorage(page);
  // Only the interface language may be remembered.
  expect(Object.keys(storage.local).filter((k) => k !== "aos.console.locale")).toEqual([]);
  expect(storage.session).toEqual({});
  // The session cookie is HttpOnly: the page's script cannot see it.
  expect(storage.cookie).toBe("");
  const everything = JSON.stringify(storage) + (await page.content());
  for (const key of keys) expect(everything).not.toContain(key);
}

describe("console in a real browser", () => {
  it("refuses a wrong key with the gateway's reason and sets no session", async () => {
    await page.goto(`${rig.url}/`);
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    await expect(page.locator("h2").first().textContent()).resolves.toBe("登录");
    await screenshots(page, "sign-in");
    await page.locator("#api-key").fill("aos_not_a_real_key_0000");
    await page.locator("form button[type=submit]").click();
    await page.locator("[role=alert]").waitFor();
    expect(await page.locator("[role=alert]").textContent()).toMatch(/UNAUTHENTICATED/);
    expect((await rig.context.cookies()).filter((c) => c.name === "aos_session")).toEqual([]);
  });

  it("operator: reads the catalog's rules in both languages, submits a job and sees it released with its table", async () => {
    const { key, license } = rig.credentials.operator;
    await signIn(key);
    await page.waitForURL(`${rig.url}/catalog`);
    // The session cookie exists but the page's script cannot read it, and the key went nowhere.
    const cookie = (await rig.context.cookies()).find((c) => c.name === "aos_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(cookie?.value).not.toContain(key);
    await expectNothingSecretStored(key);

    await page.locator('[data-dataset="population"]').waitFor();
    expect(await page.locator(".cards > li").count()).toBeGreaterThanOrEqual(6);
    await screenshots(page, "operator-catalog");

    await page.locator('[data-dataset="population"] h2 a').click();
    await page.waitForURL(`${rig.url}/catalog/population`);
    const idNumber = page.locator('tr[data-column="id_number"]');
    await expect(idNumber.locator(".badge").textContent()).resolves.toBe("禁止使用");
    await expect(page.locator('tr[data-column="annual_income"] .badge').textContent()).resolves.toBe(
      "仅可聚合",
    );
    await screenshots(page, "operator-dataset");

    // English, remembered across a reload; the reload re-asks the gateway for the session.
    await page.locator("header.top button", { hasText: "English" }).click();
    await expect(idNumber.locator(".badge").textContent()).resolves.toBe("denied");
    await page.reload();
    await expect(page.locator('tr[data-column="id_number"] .badge').textContent()).resolves.toBe("denied");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await screenshots(page, "operator-dataset-en");
    await page.locator("header.top button", { hasText: "中文" }).click();
    await expect(idNumber.locator(".badge").textContent()).resolves.toBe("禁止使用");

    await page.locator("nav.nav a", { hasText: "作业" }).click();
    await page.waitForURL(`${rig.url}/jobs`);
    await expect(page.locator("#job-license").inputValue()).resolves.toBe(license);
    await screenshots(page, "operator-jobs");
    await page.locator("form button[type=submit]").click();
    await page.waitForURL(/\/jobs\/job_/);
    const jobId = page.url().split("/").at(-1)!;
    // Live events arrive over SSE with the cookie; the final state reloads the job and its outputs.
    await page.locator('.events [data-event="finished"]').waitFor();
    await expect(page.locator(".job-status .badge").textContent()).resolves.toBe("已发布");
    const table = page.locator('[data-output="by_station"] table');
    await table.waitFor();
    const stations = await table.locator("tbody tr").count();
    expect(stations).toBeGreaterThan(0);
    await expect(table.locator("tbody tr").first().locator("th").textContent()).resolves.toBe("1");
    const job = (await (await rig.apiAs(key, `/v1/jobs/${jobId}`)).json()) as {
      status: string;
      outputs: Record<string, unknown[]>;
    };
    expect(job.status).toBe("released");
    expect(stations).toBe(job.outputs.by_station!.length);
    await screenshots(page, "operator-job");

    await page.locator("nav.nav a", { hasText: "隐私预算" }).click();
    await page.locator('[data-budget="population"]').waitFor();
    await screenshots(page, "operator-budget");
    await expectNothingSecretStored(key);
  });

  it("operator: a write without the CSRF token is refused, and another role's page says so", async () => {
    // Made by the page itself: the cookie goes along, the CSRF token does not.
    const refused = await pageFetch(page, "/v1/jobs", {
      method: "POST",
      body: { script: "export default async () => ({})", license: rig.credentials.operator.license },
    });
    expect(refused.status).toBe(403);
    expect(refused.body?.detail).toMatch(/CSRF/);

    await page.goto(`${rig.url}/reviews`);
    await page.locator(".refused h1").waitFor();
    await expect(page.locator(".refused h1").textContent()).resolves.toBe("此页面不对您的角色开放");
    // The page only reflects what the API enforces.
    expect((await pageFetch(page, "/v1/reviews")).status).toBe(403);
    await screenshots(page, "operator-refused-reviews");
  });

  it("signs out: the session ends on the server too", async () => {
    await signOut();
    await page.locator(".notice").waitFor();
    expect((await pageFetch(page, "/v1/session")).status).toBe(401);
    await page.goto(`${rig.url}/jobs`);
    await page.locator("#api-key").waitFor();
    expect((await rig.context.cookies()).filter((c) => c.name === "aos_session")).toEqual([]);
  });

  it("bureau: opens a held job, reads what it did and why it was held, and approves it", async () => {
    const operator = rig.credentials.operator;
    const submitted = (await (
      await rig.apiAs(operator.key, "/v1/jobs", {
        method: "POST",
        body: {
          script: `export default async () => ({ contact: [{ office: "switchboard", phone: "13912345678" }] })`,
          license: operator.license,
        },
      })
    ).json()) as { id: string };
    const held = (await (await rig.apiAs(operator.key, `/v1/jobs/${submitted.id}?wait=30`)).json()) as {
      status: string;
    };
    expect(held.status).toBe("held");

    await signIn(rig.credentials.bureau.key);
    await page.waitForURL(`${rig.url}/reviews`);
    const row = page.locator(`[data-review="${submitted.id}"]`);
    await row.waitFor();
    await screenshots(page, "bureau-reviews");
    await row.locator("a").click();
    await page.waitForURL(`${rig.url}/reviews/${submitted.id}`);

    // Side by side: the script itself, the gate's reasons with 1-based rows, and the held output
    // numbered from 1.
    const script = page.locator('[data-testid="script-source"]');
    await script.waitFor();
    const scriptText = await script.textContent();
    expect(scriptText).toContain('phone: "13912345678"');
    await expect(page.locator(".reasons").textContent()).resolves.toMatch(/identifier_pattern.*第 1 行/);
    const heldRow = page.locator('[data-output="contact"] tbody tr').first();
    await expect(heldRow.locator("th").textContent()).resolves.toBe("1");
    await expect(heldRow.textContent()).resolves.toContain("13912345678");
    expect(await heldRow.getAttribute("class")).toBe("marked");
    await screenshots(page, "bureau-review");

    // A decision needs a comment: the form says so before asking the gateway.
    await page.locator("form.decision button[type=submit]").click();
    await expect(page.locator("form.decision [role=alert]").textContent()).resolves.toContain("请填写意见");
    await page.locator("#review-comment").fill("公开的总机号码 · a public switchboard number");
    await page.locator("form.decision button[type=submit]").click();
    await expect(page.locator(".notice[role=status]").textContent()).resolves.toContain("已发布");
    const released = (await (await rig.apiAs(operator.key, `/v1/jobs/${submitted.id}`)).json()) as {
      status: string;
    };
    expect(released.status).toBe("released");

    // A proposed change is listed with its classified diff.
    const bureauKey = rig.credentials.bureau.key;
    const { manifest } = (await (await rig.apiAs(bureauKey, "/v1/datasets/air_quality")).json()) as {
      manifest: Record<string, unknown>;
    };
    const proposed = await rig.apiAs(bureauKey, "/v1/proposals", {
      method: "POST",
      body: {
        kind: "policy",
        dataset: "air_quality",
        manifest: { ...manifest, title: "空气质量小时数据 (air quality, hourly)" },
        reason: "a shorter title",
      },
    });
    expect(proposed.status).toBe(201);
    const { id: proposalId } = (await proposed.json()) as { id: string };
    await page.locator("nav.nav a", { hasText: "变更提案" }).click();
    const change = page.locator(`[data-proposal="${proposalId}"] .diff .change`);
    await change.first().waitFor();
    await expect(change.first().textContent()).resolves.toMatch(/中性.*title:/);
    await screenshots(page, "bureau-proposals");
    await expectNothingSecretStored(rig.credentials.bureau.key);
    await signOut();
  });

  it("holder: sees its own datasets with their versions, and the applications awaiting consent", async () => {
    const holder = rig.credentials.holders!.population!;
    // By keyboard alone: Tab to the key field, type, Enter; then Tab to a navigation link and Enter.
    await page.goto(`${rig.url}/`);
    await page.locator("#api-key").waitFor();
    for (let i = 0; i < 5 && (await focusedId()) !== "api-key"; i++) await page.keyboard.press("Tab");
    expect(await focusedId()).toBe("api-key");
    await page.keyboard.type(holder.key);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${rig.url}/holder/datasets`);
    await page.locator('[data-dataset="population"] tbody tr').first().waitFor();
    // Only datasets its department holds.
    expect(await page.locator("[data-dataset]").count()).toBe(1);
    await screenshots(page, "holder-datasets");
    await page.locator("nav.nav a", { hasText: "待同意申请" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(`${rig.url}/holder/applications`);
    await page.locator("#apps-status").waitFor();
    await page.locator("main [role=status]").waitFor({ state: "detached" });
    await screenshots(page, "holder-applications");
    await signOut();
  });

  it("auditor: sees the log verified, filters it and pages through it", async () => {
    await signIn(rig.credentials.auditor.key);
    await page.waitForURL(`${rig.url}/audit`);
    const verify = page.locator(".verify");
    await verify.waitFor();
    expect(await verify.getAttribute("data-valid")).toBe("true");
    await page.locator("table.audit tbody tr").first().waitFor();
    await screenshots(page, "auditor-audit");

    await page.locator("#audit-type").fill("review.*");
    await page.locator("form.filters button[type=submit]").click();
    await page
      .locator("table.audit td", { hasText: /^review\./ })
      .first()
      .waitFor();
    const types = await page.locator("table.audit tbody td:nth-child(3)").allTextContents();
    expect(types.length).toBeGreaterThan(0);
    expect(types.every((type) => type.startsWith("review."))).toBe(true);

    await page.locator("form.filters button", { hasText: "清除" }).click();
    await page.locator("table.audit caption", { hasText: "第 1 页" }).waitFor();
    const firstPage = await page.locator("table.audit tbody th").allTextContents();
    await page.locator(".pager button", { hasText: "下一页" }).click();
    await page.locator("table.audit caption", { hasText: "第 2 页" }).waitFor();
    const secondPage = await page.locator("table.audit tbody th").allTextContents();
    expect(Number(secondPage[0])).toBeGreaterThan(Number(firstPage.at(-1)));
    await expectNothingSecretStored(rig.credentials.auditor.key);
    await signOut();
  });
});
