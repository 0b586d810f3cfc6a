import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RecordingAuditSink } from "../../control/audit-sink.ts";
import { checkDomainVersion } from "../../control/domain-version.ts";
import { tempDir } from "../support/duckdb.ts";
import { openTestStore, STORE_KINDS, type TestStore } from "../support/stores.ts";

describe.each(STORE_KINDS)("data-domain version on %s", (kind) => {
  let t: TestStore | undefined;
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  afterEach(async () => {
    await t?.dispose();
    await dir?.remove();
  });

  it("records the first node's copy once, accepts identical copies, and refuses a node whose copy differs", async () => {
    t = await openTestStore(kind);
    dir = await tempDir();
    const audit = new RecordingAuditSink();
    const mine = join(dir.dir, "a.duckdb");
    const same = join(dir.dir, "b.duckdb");
    const other = join(dir.dir, "c.duckdb");
    await writeFile(mine, "domain content");
    await writeFile(same, "domain content");
    await writeFile(other, "domain content, changed");

    const first = await checkDomainVersion(t.store, audit, mine, "node-1");
    expect(first).toMatchObject({ version: 1, bytes: 14, recordedBy: "node-1" });
    const second = await checkDomainVersion(await t.reopen(), audit, same, "node-2");
    expect(second).toMatchObject({ version: 1, sha256: first.sha256, recordedBy: "node-1" });
    await expect(checkDomainVersion(t.store, audit, other, "node-3")).rejects.toThrow(
      /is not version 1 that the control plane names.*copy the current domain file/,
    );
    expect(audit.events.map((e) => e.type)).toEqual(["domain.recorded"]);
  });
});
