import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoCredentials } from "../../control/provisioning.ts";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { fileDigest } from "../../storage/file-digest.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { readOnlyQuery, tempDir } from "../support/duckdb.ts";

/**
 * The one-file data domain of the previous release (test/fixtures/release-v0.2, commit 41a3f66) is
 * split into a version-1 file per dataset on the first start of this release, through the supply
 * path (supplied by `upgrade`), and the old file is kept aside, unchanged.
 */
const FIXTURE = join(import.meta.dirname, "../fixtures/release-v0.2");
const expected = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as {
  domain: { sha256: string; bytes: number };
};

let folder: Awaited<ReturnType<typeof tempDir>>;
let gateway: RunningGateway | undefined;

const config = (dir: string) =>
  loadConfig({ DATA_DIR: dir, PORT: "0", SANDBOX_WORKERS: "1", SHUTDOWN_GRACE_MS: "2000" });

async function extract(name: string): Promise<string> {
  const into = join(folder.dir, name);
  execFileSync("mkdir", ["-p", into]);
  execFileSync("tar", ["xzf", join(FIXTURE, "data.tar.gz"), "-C", into]);
  return join(into, "data");
}

function versionsOf(dir: string) {
  const db = new Database(join(dir, "control.sqlite"), { readonly: true });
  try {
    return db
      .prepare(
        "SELECT dataset, version, format, sha256, rows, supplied_by FROM data_versions ORDER BY dataset",
      )
      .all() as {
      dataset: string;
      version: number;
      format: string;
      sha256: string;
      rows: number;
      supplied_by: string;
    }[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  folder = await tempDir("aos-split-");
});
afterAll(async () => {
  await gateway?.close();
  await folder?.remove();
});

describe("upgrade of the previous release's data domain into data versions", () => {
  it("splits domain.duckdb into version 1 of every dataset, keeps the old file aside, and serves the same data", async () => {
    const dir = await extract("ok");
    expect((await fileDigest(join(dir, "domain.duckdb"))).sha256).toBe(expected.domain.sha256);
    gateway = await startGateway(config(dir), silentLogger);
    const credentials = JSON.parse(
      readFileSync(join(dir, "demo-credentials.json"), "utf8"),
    ) as DemoCredentials;

    const versions = versionsOf(dir);
    expect(versions.map((v) => v.dataset)).toEqual([
      "air_quality",
      "credit_records",
      "electricity_usage",
      "enterprises",
      "medical_visits",
      "population",
    ]);
    for (const version of versions)
      expect(version).toMatchObject({
        version: 1,
        format: "duckdb",
        supplied_by: "upgrade",
        sha256: expected.domain.sha256,
      });

    // The old file is kept, byte for byte, under a new name; its tables and the versions agree.
    expect(existsSync(join(dir, "domain.duckdb"))).toBe(false);
    const kept = (await readdir(dir)).find((name) => name.startsWith("domain.duckdb.before-data-versions-"))!;
    expect(await fileDigest(join(dir, kept))).toEqual({
      sha256: expected.domain.sha256,
      bytes: expected.domain.bytes,
    });
    const old = await readOnlyQuery(join(dir, kept));
    try {
      for (const version of versions) {
        const { n } = await old.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${version.dataset}`);
        expect(Number(version.rows), version.dataset).toBe(n);
      }
    } finally {
      old.close();
    }

    const auditor = { authorization: `Bearer ${credentials.auditor.key}` };
    const supplied = (await (
      await fetch(`${gateway.url}/v1/audit?type=dataset.version_supplied`, { headers: auditor })
    ).json()) as { entries: { actor: string; data: { dataset: string; sha256: string } }[] };
    expect(supplied.entries).toHaveLength(6);
    expect(
      supplied.entries.every((e) => e.actor === "upgrade" && e.data.sha256 === expected.domain.sha256),
    ).toBe(true);

    // A job reads the split data: the same rows as the old file held.
    const submitted = (await (
      await fetch(`${gateway.url}/v1/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${credentials.operator.key}`, "content-type": "application/json" },
        body: JSON.stringify({
          license: credentials.operator.license,
          script: `export default async function main(ctx) {
            return { n: await ctx.sql("SELECT count(*) AS n FROM air_quality") };
          }`,
        }),
      })
    ).json()) as { id: string };
    const job = (await (
      await fetch(`${gateway.url}/v1/jobs/${submitted.id}?wait=30`, {
        headers: { authorization: `Bearer ${credentials.operator.key}` },
      })
    ).json()) as { status: string };
    expect(job.status).toBe("released");
    const output = (await (
      await fetch(`${gateway.url}/v1/jobs/${submitted.id}/outputs/n`, {
        headers: { authorization: `Bearer ${credentials.operator.key}`, accept: "application/json" },
      })
    ).json()) as { n: number }[];
    expect(output).toEqual([{ n: versions.find((v) => v.dataset === "air_quality")!.rows }]);

    // A second start splits nothing again.
    const files = await readdir(join(dir, "datasets", "population"));
    await gateway.close();
    gateway = await startGateway(config(dir), silentLogger);
    expect(versionsOf(dir)).toEqual(versions);
    expect(await readdir(join(dir, "datasets", "population"))).toEqual(files);
    await gateway.close();
    gateway = undefined;
  });

  it("refuses to start on a domain file other than the one the control plane recorded, splitting nothing", async () => {
    const dir = await extract("altered");
    const handle = await open(join(dir, "domain.duckdb"), "r+");
    await handle.write(Buffer.from([0x42]), 0, 1, 4096 * 3 + 17);
    await handle.close();
    await expect(startGateway(config(dir), silentLogger)).rejects.toThrow(
      /is not data-domain version 1 that the control plane recorded/,
    );
    expect(existsSync(join(dir, "domain.duckdb"))).toBe(true);
    expect(versionsOf(dir)).toEqual([]);
  });
});
