import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditLog } from "../../audit/verify.ts";
import { loadDomainKey } from "../../control/at-rest.ts";
import { RecordingAuditSink } from "../../control/audit-sink.ts";
import { AUDIT_EXPORT, backupDataFolder, restoreDataFolder, verifyBackup } from "../../control/backup.ts";
import { controlSecrets } from "../../control/control-secrets.ts";
import { dataFolder } from "../../control/data-folder.ts";
import { createPrincipal } from "../../control/identity.ts";
import { notify } from "../../control/inbox.ts";
import { rotateDataFolderKek } from "../../control/kek-rotation.ts";
import { provisionDataFolder } from "../../control/provisioning.ts";
import {
  registerWebhook,
  signDelivery,
  WebhookDeliveryWorker,
  webhookDeliveries,
} from "../../control/webhooks.ts";
import { demoDomain } from "../../seeds/demo-domain.ts";
import type { DataFileEncryption } from "../../storage/at-rest/data-file-key.ts";
import { localKeyEncryptionKey } from "../../storage/at-rest/key-encryption-key.ts";
import { isSealed, sealedUnder } from "../../storage/at-rest/sealed-file.ts";
import { acquireWriterLock } from "../../storage/node-lock.ts";
import { openControlStore } from "../../storage/open-store.ts";
import { aos } from "../cli/server.ts";
import { tempDir } from "../support/duckdb.ts";

/**
 * A whole data folder under a key-encryption key: provisioned sealed and encrypted, backed up and
 * restored with its keys, its KEK rotated (by the library and by `aos kek rotate`), an older
 * release's folder encrypted on its first start with a KEK — and through all of it, the audit log
 * verifies with the public key alone.
 *
 * DuckDB writes encrypted files only with OpenSSL from its httpfs extension (docs/security.md);
 * without it here, the tests write through the built-in writer the configuration never offers.
 */
const TEST_WRITER = "mbedtls-unsafe-for-tests" as const;
const FIXTURE = join(import.meta.dirname, "../fixtures/release-v0.2");

let work: Awaited<ReturnType<typeof tempDir>>;
const kekMaterial = randomBytes(32);
const kek = localKeyEncryptionKey(kekMaterial, "KEK_FILE");
const encryption: DataFileEncryption = { kek, writer: TEST_WRITER };

beforeAll(async () => {
  work = await tempDir("aos-at-rest-folder-");
});
afterAll(async () => {
  await work?.remove();
});

async function provision(dir: string, with_: DataFileEncryption | undefined = encryption) {
  const provisioned = await provisionDataFolder({
    dir,
    demo: demoDomain,
    seedScale: 0.002,
    ...(with_ ? { encryption: with_ } : {}),
  });
  await provisioned.controlPlane.close();
  return provisioned;
}

async function versionFiles(datasetsDir: string): Promise<string[]> {
  const entries = await readdir(datasetsDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".duckdb"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The stored log, as an export holds it, verified offline with the public key only: no KEK, no private key. */
async function verifyWithPublicKeyOnly(dir: string, exportName: string) {
  const publicKey = readFileSync(dataFolder(dir).publicKeyFile, "utf8");
  const store = await openControlStore({ dataDir: dir });
  let lines: string[];
  try {
    const rows = await store.query<{ line: string }>("SELECT line FROM audit_entries ORDER BY position");
    lines = rows.map((row) => row.line);
  } finally {
    await store.close();
  }
  const file = join(work.dir, exportName);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return { lines, verification: await verifyAuditLog(file, { publicKey }) };
}

async function entriesOfType(dir: string, type: string) {
  const store = await openControlStore({ dataDir: dir });
  try {
    return await store.query<{ line: string }>("SELECT line FROM audit_entries WHERE type = $1", [type]);
  } finally {
    await store.close();
  }
}

describe("a data folder under a key-encryption key", () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(work.dir, "node");
    await provision(dir);
  });

  it("seals the signing key and encrypts every data version, each beside its wrapped key", async () => {
    const folder = dataFolder(dir);
    const keyText = readFileSync(folder.privateKeyFile, "utf8");
    expect(isSealed(keyText)).toBe(true);
    expect(keyText).not.toContain("PRIVATE KEY");
    expect(sealedUnder(keyText)).toBe(kek.id);
    const files = await versionFiles(folder.datasetsDir);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) expect(existsSync(`${file}.key`), file).toBe(true);
    // Without the KEK the key does not open, and the refusal says what to set.
    await expect(loadDomainKey(folder, undefined)).rejects.toThrow(
      /sealed under the key-encryption key .*KEK_FILE or KEK/,
    );
  });

  it("keeps the audit log verifiable by an auditor who holds the public key and no KEK", async () => {
    const { lines, verification } = await verifyWithPublicKeyOnly(dir, "node-audit.jsonl");
    expect(verification.valid).toBe(true);
    expect(verification.entries).toBe(lines.length);
  });

  it("seals webhook secrets: stored sealed, signing deliveries with the KEK, refused in words without it", async () => {
    const store = await openControlStore({ dataDir: dir });
    let received: { signature: string; timestamp: string; body: string } | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received = {
          signature: String(req.headers["x-aos-signature"]),
          timestamp: String(req.headers["x-aos-timestamp"]),
          body: Buffer.concat(chunks).toString("utf8"),
        };
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const operator = await createPrincipal(store, {
        role: "operator",
        name: "Hook",
        organization: "Hook Co",
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const policy = { allowLoopback: true, allowPrivate: false };
      const { webhook, secret } = await registerWebhook(
        store,
        new RecordingAuditSink(),
        operator,
        { url },
        policy,
        undefined,
        controlSecrets(kek),
      );
      const [row] = await store.query<{ secret: string }>("SELECT secret FROM webhooks WHERE id = $1", [
        webhook.id,
      ]);
      expect(isSealed(row!.secret)).toBe(true);
      expect(row!.secret).not.toContain(secret.slice("whsec_".length));
      await store.transaction((tx) =>
        notify(
          tx,
          { principals: [operator.id] },
          { kind: "review.decided", subject: { job: "job_1" }, message: "decided" },
        ),
      );
      // A node without the KEK cannot sign: the attempt fails and says why, nothing is sent.
      expect(await new WebhookDeliveryWorker(store, { policy, maxAttempts: 1 }).runOnce()).toBe(1);
      expect(received).toBeUndefined();
      const [failed] = (await webhookDeliveries(store, operator, webhook.id)).items;
      expect(failed?.lastError).toMatch(/sealed under a key-encryption key this node lacks/);
      await store.run("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1", [
        new Date(0).toISOString(),
      ]);
      expect(
        await new WebhookDeliveryWorker(store, { policy }, { secrets: controlSecrets(kek) }).runOnce(),
      ).toBe(1);
      expect(received?.signature).toBe(signDelivery(secret, received!.timestamp, received!.body));
    } finally {
      server.close();
      await store.close();
    }
  });

  it("backs up only with the KEK, and restores a folder that opens under it", async () => {
    const refused = join(work.dir, "backup-refused");
    await expect(backupDataFolder(dir, refused)).rejects.toMatchObject({ code: "KEK_REQUIRED" });
    expect(existsSync(refused)).toBe(false);

    const backup = join(work.dir, "backup");
    const { manifest } = await backupDataFolder(dir, backup, { kek });
    const keyFiles = Object.keys(manifest.files).filter((name) => name.endsWith(".duckdb.key"));
    expect(keyFiles.length).toBe(manifest.dataVersions.versions.length);
    expect(isSealed(readFileSync(join(backup, "domain-key.pem"), "utf8"))).toBe(true);
    expect(
      await verifyAuditLog(join(backup, AUDIT_EXPORT), {
        publicKey: readFileSync(join(backup, "domain-key.pub.pem"), "utf8"),
      }),
    ).toMatchObject({ valid: true });

    await expect(verifyBackup(backup)).rejects.toMatchObject({ code: "KEK_REQUIRED" });
    await verifyBackup(backup, { kek });
    const restored = join(work.dir, "restored");
    await expect(restoreDataFolder(backup, restored)).rejects.toMatchObject({ code: "KEK_REQUIRED" });
    await restoreDataFolder(backup, restored, { kek });
    for (const file of await versionFiles(dataFolder(restored).datasetsDir))
      expect(existsSync(`${file}.key`), file).toBe(true);
    // The restored folder starts (provisioning reopens every version's data key under the KEK).
    const again = await provision(restored);
    expect(again.generated).toBe(false);
  });

  it("rotates its KEK: every key re-wrapped, no data rewritten, the old KEK refused after, a rerun a no-op", async () => {
    const rotated = join(work.dir, "rotated");
    execFileSync("cp", ["-a", dir, rotated]);
    const folder = dataFolder(rotated);
    const before = await versionFiles(folder.datasetsDir);
    const digests = () => before.map((file) => createHash("sha256").update(readFileSync(file)).digest("hex"));
    const dataBefore = digests();
    const next = localKeyEncryptionKey(randomBytes(32), "KEK_FILE");

    const report = await rotateDataFolderKek({ dir: rotated, from: kek, to: next, actor: "test" });
    expect(report.rewrapped.length).toBe(before.length + 1);
    expect(sealedUnder(readFileSync(folder.privateKeyFile, "utf8"))).toBe(next.id);
    expect(digests()).toEqual(dataBefore);
    for (const file of before) expect(JSON.parse(readFileSync(`${file}.key`, "utf8")).kek).toBe(next.id);

    await expect(provision(rotated, { kek, writer: TEST_WRITER })).rejects.toThrow(
      /sealed under the key-encryption key/,
    );
    expect((await provision(rotated, { kek: next, writer: TEST_WRITER })).generated).toBe(false);
    const [recorded] = await entriesOfType(rotated, "domain.kek_rotated");
    expect(JSON.parse(recorded!.line).data).toEqual({
      from: kek.id,
      to: next.id,
      files: before.length + 1,
      secrets: 1,
    });
    // Cut short or repeated: nothing left under the old KEK, so nothing to do.
    expect(
      (await rotateDataFolderKek({ dir: rotated, from: kek, to: next, actor: "test" })).rewrapped,
    ).toEqual([]);
    expect((await verifyWithPublicKeyOnly(rotated, "rotated-audit.jsonl")).verification.valid).toBe(true);
  });

  it("rotates through `aos kek rotate`, refusing a running node's folder and a missing current KEK", async () => {
    const rotated = join(work.dir, "rotated-cli");
    execFileSync("cp", ["-a", dir, rotated]);
    const currentFile = join(work.dir, "kek-current");
    const nextFile = join(work.dir, "kek-next");
    writeFileSync(currentFile, kekMaterial.toString("base64"), { mode: 0o600 });
    writeFileSync(nextFile, randomBytes(32).toString("base64"), { mode: 0o600 });

    const noCurrent = await aos(["kek", "rotate", "--data-dir", rotated, "--new-kek-file", nextFile]);
    expect(noCurrent.code).not.toBe(0);
    expect(noCurrent.stderr).toMatch(/set KEK_FILE \(or KEK\) to the current key-encryption key/);

    // A running node holds node.lock: the rotation waits for it to stop.
    const lock = await acquireWriterLock(join(rotated, "node.lock"));
    try {
      const busy = await aos(["kek", "rotate", "--data-dir", rotated, "--new-kek-file", nextFile], {
        KEK_FILE: currentFile,
      });
      expect(busy.code).not.toBe(0);
      expect(busy.stderr).toMatch(/in use by a running node.*stop it/);
    } finally {
      await lock.release();
    }

    const run = await aos(["kek", "rotate", "--data-dir", rotated, "--new-kek-file", nextFile, "--json"], {
      KEK_FILE: currentFile,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const next = localKeyEncryptionKey(Buffer.from(readFileSync(nextFile, "utf8"), "base64"), "KEK_FILE");
    expect(JSON.parse(run.stdout)).toMatchObject({ from: kek.id, to: next.id });
    expect(sealedUnder(readFileSync(dataFolder(rotated).privateKeyFile, "utf8"))).toBe(next.id);
  });
});

describe("an older release's folder started with a KEK", () => {
  it("has its signing key sealed and its one-file domain split into encrypted versions, the log still verifying", async () => {
    const unpacked = join(work.dir, "old");
    execFileSync("mkdir", ["-p", unpacked]);
    execFileSync("tar", ["xzf", join(FIXTURE, "data.tar.gz"), "-C", unpacked]);
    const dir = join(unpacked, "data");
    expect(isSealed(readFileSync(dataFolder(dir).privateKeyFile, "utf8"))).toBe(false);

    const events: string[] = [];
    const provisioned = await provisionDataFolder({
      dir,
      demo: demoDomain,
      seedScale: 0.002,
      encryption,
      onProgress: (event) => events.push(event.kind),
    });
    await provisioned.controlPlane.close();
    expect(events).toContain("key-sealed");
    // Its one-file domain is split into versions written encrypted: none is ever in the clear.
    expect(events).toContain("split");
    expect(isSealed(readFileSync(dataFolder(dir).privateKeyFile, "utf8"))).toBe(true);
    const files = await versionFiles(dataFolder(dir).datasetsDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(existsSync(`${file}.key`), file).toBe(true);
    expect((await verifyWithPublicKeyOnly(dir, "old-audit.jsonl")).verification.valid).toBe(true);
  });
});
