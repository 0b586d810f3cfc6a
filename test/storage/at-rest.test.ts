import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadVersionFile } from "../../control/data-supply.ts";
import {
  createDataFileKey,
  dataFileKeyFile,
  openDataFileKey,
  rewrapDataFileKey,
} from "../../storage/at-rest/data-file-key.ts";
import {
  KeyEncryptionKeyError,
  loadKeyEncryptionKey,
  localKeyEncryptionKey,
  newDataKey,
} from "../../storage/at-rest/key-encryption-key.ts";
import {
  isSealed,
  openSealedValue,
  rewrapSealedValue,
  sealValue,
} from "../../storage/at-rest/sealed-file.ts";
import { tempDir } from "../support/duckdb.ts";
import { type DataFileVersion, openVersionedDataDomain } from "./at-rest-support.ts";

// Keys wrap keys: the KEK (file or environment) wraps data keys; data keys seal values and DuckDB
// files. A wrong KEK is refused with a message saying which key the data wants.

let folder: Awaited<ReturnType<typeof tempDir>>;
const kek = localKeyEncryptionKey(randomBytes(32), "KEK");
const otherKek = localKeyEncryptionKey(randomBytes(32), "KEK_FILE");
/** A value that must never appear in an encrypted file's bytes. */
const MARKER = `PLAINTEXT-${randomBytes(6).toString("hex")}`;

beforeAll(async () => {
  folder = await tempDir("aos-at-rest-");
});
afterAll(async () => {
  await folder?.remove();
});

describe("the key-encryption key", () => {
  it("comes from KEK_FILE or KEK (base64 of 32 bytes), or is absent", async () => {
    const material = randomBytes(32);
    const file = join(folder.dir, "kek");
    writeFileSync(file, `${material.toString("base64")}\n`, { mode: 0o600 });
    const fromFile = await loadKeyEncryptionKey({ file });
    const fromEnv = await loadKeyEncryptionKey({ base64: material.toString("base64") });
    expect(fromFile?.id).toBe(fromEnv?.id);
    expect(fromFile?.id).toMatch(/^local:[0-9a-f]{16}$/);
    expect(fromFile?.source).toBe("KEK_FILE");
    expect(await loadKeyEncryptionKey({})).toBeUndefined();
  });

  it("refuses a key of the wrong size, text that is not base64, both sources at once, a missing file", async () => {
    await expect(loadKeyEncryptionKey({ base64: randomBytes(16).toString("base64") })).rejects.toThrow(
      /16 bytes; it must be 32 random bytes/,
    );
    await expect(loadKeyEncryptionKey({ base64: "not base64!" })).rejects.toThrow(/base64/);
    await expect(loadKeyEncryptionKey({ base64: "a", file: "b" })).rejects.toThrow(/not both/);
    await expect(loadKeyEncryptionKey({ file: join(folder.dir, "nope") })).rejects.toThrow(/cannot be read/);
  });

  it("unwraps what it wrapped, and a wrong KEK is refused naming the key the data wants", async () => {
    const dataKey = newDataKey();
    const wrapped = await kek.wrap(dataKey);
    expect(wrapped.key).not.toContain(dataKey.toString("base64"));
    expect(await kek.unwrap(wrapped)).toEqual(dataKey);
    const refusal = await otherKek.unwrap(wrapped).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(KeyEncryptionKeyError);
    expect((refusal as Error).message).toContain(`sealed under the key-encryption key ${kek.id}`);
    // A wrapped key that claims this KEK but was made by another is refused too (the GCM tag).
    const forged = { ...(await otherKek.wrap(dataKey)), kek: kek.id };
    await expect(kek.unwrap(forged)).rejects.toThrow(/changed or damaged/);
  });
});

describe("sealed values", () => {
  it("hold no plaintext, open only as what they were sealed as, and survive a rotation of the KEK", async () => {
    const sealed = await sealValue(kek, "domain signing key", Buffer.from(MARKER));
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain(MARKER);
    expect((await openSealedValue(kek, "domain signing key", sealed)).toString()).toBe(MARKER);
    await expect(openSealedValue(kek, "control-plane secrets key", sealed)).rejects.toThrow(
      /is not a sealed/,
    );
    await expect(openSealedValue(otherKek, "domain signing key", sealed)).rejects.toThrow(
      KeyEncryptionKeyError,
    );
    const rotated = await rewrapSealedValue(kek, otherKek, sealed);
    // The sealed value itself is not rewritten: only its data key's wrapping changes.
    expect(JSON.parse(rotated).value).toBe(JSON.parse(sealed).value);
    expect((await openSealedValue(otherKek, "domain signing key", rotated)).toString()).toBe(MARKER);
    await expect(openSealedValue(kek, "domain signing key", rotated)).rejects.toThrow(KeyEncryptionKeyError);
  });
});

describe("DuckDB data files", () => {
  const csv = () => {
    const file = join(folder.dir, "people.csv");
    writeFileSync(file, `name,n\n${MARKER},1\nother,2\n`);
    return file;
  };

  it("are written encrypted by DuckDB: the bytes hold no plaintext value, and open with the key beside them", async () => {
    const target = join(folder.dir, "v1-00000001.duckdb");
    const key = await createDataFileKey(kek, target);
    const loaded = await loadVersionFile("people", undefined, { format: "csv", path: csv() }, target, {
      key,
      writer: "mbedtls-unsafe-for-tests",
    });
    expect(loaded).toEqual({ kind: "loaded", rows: 2 });
    expect(readFileSync(target).includes(MARKER)).toBe(false);
    expect(readFileSync(dataFileKeyFile(target), "utf8")).not.toContain(key);
    expect(await openDataFileKey(kek, target)).toBe(key);

    // The same data written plain holds the value: the grep above can see it when it is there.
    const plain = join(folder.dir, "plain.duckdb");
    await loadVersionFile("people", undefined, { format: "csv", path: csv() }, plain);
    expect(readFileSync(plain).includes(MARKER)).toBe(true);
    expect(await openDataFileKey(undefined, plain)).toBeUndefined();
  });

  it("is served by the data domain with the KEK, and refused without it or with another, in words", async () => {
    const version: DataFileVersion = { dataset: "people", version: 1, file: "v1-00000001.duckdb" };
    const served = await openVersionedDataDomain(folder.dir, version, kek);
    expect(await served.rows("SELECT count(*) AS n FROM people WHERE name = ?", MARKER)).toBe(1);
    served.close();

    for (const [given, problem] of [
      [undefined, /no key-encryption key: set KEK_FILE or KEK/],
      [otherKek, new RegExp(`sealed under the key-encryption key ${kek.id}`)],
    ] as const) {
      const refused = await openVersionedDataDomain(folder.dir, version, given);
      const readiness = await refused.domain.readiness();
      expect(readiness.servable).toBe(false);
      if (!readiness.servable) {
        expect(readiness.problem).toMatch(problem);
        expect(readiness.summary).toBe(
          "data version 1 of people is encrypted under a key this node does not hold",
        );
      }
      refused.close();
    }
  });

  it("refuses a key file that is not the file's own, saying to restore them together", async () => {
    const target = join(folder.dir, "v1-00000001.duckdb");
    const saved = readFileSync(dataFileKeyFile(target), "utf8");
    writeFileSync(dataFileKeyFile(target), JSON.stringify(await kek.wrap(newDataKey())));
    const refused = await openVersionedDataDomain(
      folder.dir,
      { dataset: "people", version: 1, file: "v1-00000001.duckdb" },
      kek,
    );
    const readiness = await refused.domain.readiness();
    expect(readiness).toMatchObject({
      servable: false,
      summary: "data version 1 of people does not open with its data key",
    });
    refused.close();
    writeFileSync(dataFileKeyFile(target), saved);
  });

  it("re-wraps a file's key for a new KEK without touching the file", async () => {
    const target = join(folder.dir, "v1-00000001.duckdb");
    const before = readFileSync(target);
    const key = await openDataFileKey(kek, target);
    await rewrapDataFileKey(kek, otherKek, target);
    expect(readFileSync(target).equals(before)).toBe(true);
    expect(await openDataFileKey(otherKek, target)).toBe(key);
    await expect(openDataFileKey(kek, target)).rejects.toThrow(KeyEncryptionKeyError);
    await rewrapDataFileKey(otherKek, kek, target);
  });
});
