import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAuditCli } from "../../audit/cli.ts";
import { outputBytes, outputDigest } from "../../audit/output-digest.ts";
import { issueReceipt } from "../../audit/receipt.ts";
import {
  exportLog,
  jobEvent,
  newKey,
  openLedger,
  readLines,
  type TestKey,
  tempDir,
  writeLines,
} from "./fixtures.ts";

const CLI = join(import.meta.dirname, "../../audit/cli.ts");

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process (fast); `spawnCli` checks the real process's exit codes. */
async function run(args: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAuditCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

function spawnCli(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", CLI, ...args], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

/** A store ledger's export (7 entries, a checkpoint after every 3, one on close) and the public key. */
async function setup(): Promise<{ dir: string; key: TestKey; log: string; pub: string }> {
  const dir = await tempDir();
  const key = newKey();
  const ledger = await openLedger(dir, key, { checkpointEvery: 3 });
  for (let i = 0; i < 7; i++) await ledger.append(jobEvent(i));
  await ledger.close();
  const pub = join(dir, "domain-key.pub.pem");
  await writeFile(pub, key.publicKeyPem);
  return { dir, key, log: await exportLog(ledger, join(dir, "audit.log")), pub };
}

describe("audit CLI", () => {
  it("exits with 0, 1 and 2 as a process", async () => {
    const { log, pub } = await setup();
    const [valid, usage] = await Promise.all([
      spawnCli(["verify", "--log", log, "--public-key", pub]),
      spawnCli(["verify", "--log", log]),
    ]);
    expect(valid).toMatchObject({ code: 0, stdout: expect.stringMatching(/^valid: 10 entries/) });
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringMatching(/--public-key is required/) });
    const lines = await readLines(log);
    await writeLines(log, lines.slice(1));
    expect(await spawnCli(["verify", "--log", log, "--public-key", pub, "--json"])).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/"valid":false/),
    });
  });

  it("verify: exit 0 for a valid log, with --json the verification and its last checkpoint", async () => {
    const { log, pub } = await setup();
    const human = await run(["verify", "--log", log, "--public-key", pub]);
    expect(human).toMatchObject({ code: 0, stdout: expect.stringMatching(/^valid: 10 entries/) });
    const json = await run(["verify", "--log", log, "--public-key", pub, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: true,
      entries: 10,
      lastCheckpoint: { position: 8 },
    });
  });

  it("verify: exit 1 naming the first bad position, and truncation behind a --checkpoint", async () => {
    const { log, pub, dir } = await setup();
    const checkpoint = JSON.parse(
      (await run(["verify", "--log", log, "--public-key", pub, "--json"])).stdout,
    ).lastCheckpoint;
    const lines = await readLines(log);
    await writeLines(log, lines.slice(0, 6));
    const inline = await run([
      "verify",
      "--log",
      log,
      "--public-key",
      pub,
      "--checkpoint",
      JSON.stringify(checkpoint),
    ]);
    expect(inline).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/^INVALID at position 6: .*truncated/),
    });
    const checkpointFile = join(dir, "checkpoint.json");
    await writeFile(checkpointFile, JSON.stringify(checkpoint));
    const fromFile = await run([
      "verify",
      "--log",
      log,
      "--public-key",
      pub,
      "--checkpoint",
      checkpointFile,
      "--json",
    ]);
    expect(fromFile.code).toBe(1);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ valid: false, firstBad: { position: 6 } });

    lines[2] = lines[2]!.replace("district income study", "district income studies");
    await writeLines(log, lines);
    expect(await run(["verify", "--log", log, "--public-key", pub])).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/^INVALID at position 2: hash does not match/),
    });
  });

  it("exit 2 on usage errors", async () => {
    const { log, pub } = await setup();
    expect((await run([])).code).toBe(2);
    expect((await run(["verify", "--public-key", pub])).code).toBe(2);
    expect((await run(["verify", "--log", log, "--public-key", pub, "--bogus"])).code).toBe(2);
    expect((await run(["verify", "--log", log, "--public-key", pub, "--checkpoint", "{nope"])).code).toBe(2);
    const missingKey = await run(["verify", "--log", log, "--public-key", "/nonexistent.pem"]);
    expect(missingKey).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/cannot read the public key/),
    });
  });

  it("receipt-verify: 0 for a genuine receipt and output, 1 for a wrong output, 2 for a bad receipt file", async () => {
    const { dir, key, pub } = await setup();
    const rows = [{ district: "新城区", n: 1204 }];
    const receipt = issueReceipt(
      {
        job: "job_1",
        operator: "op_1",
        license: "lic_1",
        purpose: "study",
        policyVersions: { population: 1 },
        outputs: [{ name: "by_district", sha256: outputDigest(rows) }],
        releasedAt: "2026-03-01T10:00:00.000Z",
        logPosition: 3,
      },
      key.privateKey,
    );
    const receiptFile = join(dir, "receipt.json");
    const outputFile = join(dir, "by_district.json");
    const otherFile = join(dir, "other.json");
    await writeFile(receiptFile, JSON.stringify(receipt));
    await writeFile(outputFile, outputBytes(rows));
    await writeFile(otherFile, outputBytes([{ district: "新城区", n: 1205 }]));

    const ok = await run([
      "receipt-verify",
      "--receipt",
      receiptFile,
      "--public-key",
      pub,
      "--output",
      outputFile,
      "--name",
      "by_district",
    ]);
    expect(ok).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^valid: job job_1, operator op_1.*output by_district matches/),
    });
    const wrong = await run([
      "receipt-verify",
      "--receipt",
      receiptFile,
      "--public-key",
      pub,
      "--output",
      otherFile,
      "--json",
    ]);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ valid: false, payload: { job: "job_1" } });
    await writeFile(receiptFile, "not json");
    expect((await run(["receipt-verify", "--receipt", receiptFile, "--public-key", pub])).code).toBe(2);
  });
});
