import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { CHROMIUM } from "./chromium-setup.ts";

const ROOT = join(import.meta.dirname, "../..");
const CONSOLE = join(ROOT, "console");
export const ARTIFACTS = join(ROOT, "test-artifacts/console");

/** Newest modification time under a folder (the console's sources). */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds console/dist with vite unless it is newer than every source file (no network needed). */
export function buildConsole(): void {
  const built = join(CONSOLE, "dist/index.html");
  const sources = Math.max(
    newest(join(CONSOLE, "src")),
    newest(join(CONSOLE, "index.html")),
    newest(join(CONSOLE, "vite.config.ts")),
  );
  if (existsSync(built) && statSync(built).mtimeMs > sources) return;
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules/vite/bin/vite.js"), "build", "--config", join(CONSOLE, "vite.config.ts")],
    { cwd: ROOT, stdio: "pipe" },
  );
}

/** Headless Chromium's switches for every browser the tests start. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-sync",
];

export interface ConsoleRig {
  readonly url: string;
  /** The gateway's data folder (its control plane, for scenes the API cannot set, such as a past month). */
  readonly dataDir: string;
  readonly credentials: DemoCredentials;
  readonly context: BrowserContext;
  /** Calls the API with a key, as the CLI would (for setting the scene, never for what is under test). */
  apiAs(key: string, path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** A real gateway on a fresh demo domain, and headless Debian Chromium with a fresh profile. */
export async function startConsoleRig(): Promise<ConsoleRig> {
  buildConsole();
  mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = await mkdtemp(join(tmpdir(), "aos-console-data-"));
  const profile = await mkdtemp(join(tmpdir(), "aos-console-chromium-"));
  const gateway: RunningGateway = await startGateway(
    loadConfig({ DATA_DIR: dataDir, PORT: "0", SEED_SCALE: "0.002", SANDBOX_WORKERS: "1" }),
    silentLogger,
  );
  const credentials = JSON.parse(
    readFileSync(join(dataDir, "demo-credentials.json"), "utf8"),
  ) as DemoCredentials;
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, "--disable-quic", "--no-first-run", "--disable-component-update"],
      viewport: { width: 1280, height: 900 },
      locale: "zh-CN",
    });
  } catch (error) {
    await gateway.close();
    throw error;
  }
  return {
    url: gateway.url,
    dataDir,
    credentials,
    context,
    apiAs: (key, path, init = {}) =>
      fetch(`${gateway.url}${path}`, {
        method: init.method ?? "GET",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      }),
    async close() {
      await context.close().catch(() => undefined);
      await gateway.close();
      await rm(profile, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Saves the page at the desktop (1280 px) and phone (390 px) widths, then returns to the desktop. */
export async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => resolve(null)))");
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** The page fits a 390 px phone without scrolling sideways (wide tables scroll inside their own region). */
export async function fitsPhone(page: Page): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => resolve(null)))");
  const width = await page.evaluate<number>("document.documentElement.scrollWidth");
  await page.setViewportSize({ width: 1280, height: 900 });
  expect(width).toBeLessThanOrEqual(390);
}

/** What the page's script can read of browser storage: it must never hold a key or a session token. */
export function scriptReadableStorage(
  page: Page,
): Promise<{ local: Record<string, string>; session: Record<string, string>; cookie: string }> {
  // Browser code as text: this file is type-checked for Node, without the DOM's globals.
  return page.evaluate(`({
    local: Object.fromEntries(Object.entries(localStorage)),
    session: Object.fromEntries(Object.entries(sessionStorage)),
    cookie: document.cookie,
  })`);
}

/** A same-origin fetch made by the page's own script (with its cookie), answering status and JSON body. */
export function pageFetch(
  page: Page,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  return page.evaluate(
    async ({ path, method, body }) => {
      const response = await fetch(path, {
        method,
        ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
    },
    {
      path,
      method: init.method ?? "GET",
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    },
  );
}

/**
 * Starts a rig for the file's tests (before all of them) and closes it after: `started` receives the
 * rig and its first page, whose default timeout is 30 s.
 */
export function useConsoleRig(started: (rig: ConsoleRig, page: Page) => void): void {
  let rig: ConsoleRig | undefined;
  beforeAll(async () => {
    rig = await startConsoleRig();
    const page = rig.context.pages()[0] ?? (await rig.context.newPage());
    page.setDefaultTimeout(30_000);
    started(rig, page);
  }, 180_000);
  afterAll(async () => {
    await rig?.close();
  });
}

/** Signs in on the console at `url` with a key, waiting for the navigation. */
export async function signInWith(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.locator("#api-key").fill(key);
  await page.locator("form button[type=submit]").click();
  await page.locator("nav.nav").waitFor();
}

/** Signs out from the header, waiting for the sign-in form. */
export async function signOutOf(page: Page): Promise<void> {
  await page.locator("header.top button", { hasText: /退出登录|Sign out/ }).click();
  await page.locator("#api-key").waitFor();
}

/** axe-core's script, injected into pages under test. */
export const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Headless Chromium for axe-core, whose contexts bypass the console's CSP to inject it. */
export function launchAxeBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}
