import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Where Debian's `chromium` package puts the browser the console tests drive. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether this vitest run includes the console's browser tests (no file filter, or one naming them). */
function runsConsoleTests(argv: readonly string[]): boolean {
  const filters = argv.slice(2).filter((arg) => !arg.startsWith("-") && arg !== "run" && !/^\d+$/.test(arg));
  return (
    filters.length === 0 ||
    filters.some((filter) => "test/console/".includes(filter) || filter.includes("console"))
  );
}

/**
 * Global setup: the console's browser tests need Debian's Chromium. When it is missing and this
 * runs as root (as CI does), it is installed with apt; otherwise the run stops and says what to do.
 * Nothing is downloaded by npm: playwright-core only drives the system browser.
 */
export default function ensureChromium(): void {
  if (existsSync(CHROMIUM) || !runsConsoleTests(process.argv)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The console tests need Chromium at ${CHROMIUM}. Install it with: sudo apt-get update && sudo apt-get install -y chromium`,
    );
  }
  const apt = { stdio: "inherit" as const, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } };
  execFileSync("apt-get", ["update"], apt);
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], apt);
  if (!existsSync(CHROMIUM))
    throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing: check the Debian package`);
}
