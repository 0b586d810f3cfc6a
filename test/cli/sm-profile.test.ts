import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAuditCli } from "../../audit/cli.ts";
import { domainPublicKey, INTERNATIONAL } from "../../audit/crypto-profile.ts";
import { dataFolder } from "../../control/data-folder.ts";
import { domainCryptoProfile } from "../../control/domain-key.ts";
import { aos, aosInProcess, type CliServer, startCliServer } from "./server.ts";

let server: CliServer;
let work: string;
let key: string;
let log: string;

const AQI = `export default async function main(ctx) {
  return { aqi: await ctx.sql("SELECT station, avg(aqi) AS mean_aqi FROM air_quality GROUP BY station ORDER BY station") };
}`;

const quiet = { out: () => {}, err: () => {} };

beforeAll(async () => {
  server = await startCliServer({ seedScale: 0.005, env: { CRYPTO_PROFILE: "sm" } });
  work = await mkdtemp(join(tmpdir(), "aos-sm-"));
  await writeFile(join(work, "aqi.js"), AQI);
  const env = {
    AOS_URL: server.url,
    AOS_KEY: server.credentials.operator.key,
    AOS_LICENSE: server.credentials.operator.license,
  };
  const run = await aos(["submit", join(work, "aqi.js"), "--wait", "--output-dir", join(work, "out")], env);
  expect(run.code, run.stderr).toBe(0);
  key = join(work, "domain.pub.pem");
  expect((await aosInProcess(["audit", "public-key", "--out", key], env)).code).toBe(0);
  const exported = await fetch(`${server.url}/v1/audit/export?format=jsonl`, {
    headers: { authorization: `Bearer ${server.credentials.auditor.key}` },
  });
  log = join(work, "audit.jsonl");
  await writeFile(log, await exported.text());
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("a domain started with CRYPTO_PROFILE=sm", () => {
  it("publishes an SM2 key and issues receipts signed with SM2 that list SM3 digests", async () => {
    expect(domainPublicKey(await readFile(key, "utf8")).profile.name).toBe("sm");
    const receipt = JSON.parse(await readFile(join(work, "out", "receipt.json"), "utf8"));
    const payload = JSON.parse(Buffer.from(receipt.payload, "base64url").toString("utf8"));
    expect(payload.key).toMatch(/^sm3:[0-9a-f]{64}$/);
    expect(payload.outputs[0]).toEqual({
      name: "aqi",
      sm3: expect.stringMatching(/^[0-9a-f]{64}$/),
      csvSm3: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it("has receipts that `aos receipt verify` accepts for the output, and refuses for a changed one", async () => {
    const args = (output: string) => [
      "receipt",
      "verify",
      "--receipt",
      join(work, "out", "receipt.json"),
      "--public-key",
      key,
      "--output",
      output,
    ];
    const ok = await aos(args(join(work, "out", "aqi.csv")));
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^valid: job job_.*; output aqi matches/);
    const csv = await readFile(join(work, "out", "aqi.csv"), "utf8");
    await writeFile(join(work, "changed.csv"), csv.replace(/,(\d)/, ",9$1"));
    expect((await aos(args(join(work, "changed.csv")))).code).toBe(1);
  });

  it("keeps a log that records the profile and verifies offline with SM3 and SM2, until it is edited", async () => {
    const lines = (await readFile(log, "utf8")).trimEnd().split("\n");
    const recorded = lines.map((l) => JSON.parse(l)).find((e) => e.type === "domain.crypto_profile");
    expect(recorded?.data).toEqual({
      profile: "sm",
      signature: "sm2",
      digest: "sm3",
      cipher: "sm4-cbc-hmac-sm3",
    });
    const out: string[] = [];
    const verify = (file: string, publicKey = key) =>
      runAuditCli(["verify", "--log", file, "--public-key", publicKey, "--json"], {
        out: (text) => out.push(text),
        err: () => {},
      });
    expect(await verify(log)).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({
      valid: true,
      lastCheckpoint: { position: expect.any(Number) },
    });

    const edited = [...lines];
    edited[2] = edited[2]!.replace('"actor":"', '"actor":"x');
    await writeFile(join(work, "edited.jsonl"), `${edited.join("\n")}\n`);
    expect(await verify(join(work, "edited.jsonl"))).toBe(1);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ valid: false, firstBad: { position: 2 } });

    const ed25519 = join(work, "ed25519.pem");
    await writeFile(
      ed25519,
      INTERNATIONAL.generateSigningKey().publicKey.export({ type: "spki", format: "pem" }).toString(),
    );
    expect(await runAuditCli(["verify", "--log", log, "--public-key", ed25519], quiet)).toBe(1);
  });

  it("refuses to start the folder under another profile, saying how to start it", async () => {
    await expect(domainCryptoProfile(dataFolder(server.dir), "international")).rejects.toThrow(
      /created with the sm crypto profile and keeps it.*Unset CRYPTO_PROFILE/,
    );
    expect((await domainCryptoProfile(dataFolder(server.dir), undefined)).name).toBe("sm");
  });
});
