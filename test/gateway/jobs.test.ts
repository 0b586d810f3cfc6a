import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrincipal, issueApiKey } from "../../control/identity.ts";
import { grantLicense } from "../../control/licenses.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

type Job = {
  id: string;
  status: string;
  outputs?: Record<string, Record<string, unknown>[]>;
  error?: { code: string; class: string; message: string | null; line?: number };
  decision?: { outcome: string; reasons: { code: string }[]; tainted: boolean } | null;
  usage?: { queries: number; epsilon: Record<string, number> } | null;
  policyVersions?: Record<string, number> | null;
};

let gw: TestGateway;

const AIR = `export default async function main(ctx) {
  const rows = await ctx.sql("SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station ORDER BY station");
  ctx.progress(1, "done");
  return { by_station: rows };
}`;

beforeAll(async () => {
  gw = await startTestGateway({ seedScale: 0.01, sandboxWorkers: 2 });
});

afterAll(async () => {
  await gw?.close();
});

async function submit(
  script: string,
  license = gw.credentials.operator.license,
  client = gw.operator,
  headers = {},
) {
  return client.post<Job>("/v1/jobs", { script, license }, headers);
}

async function settled(id: string, client = gw.operator): Promise<Job> {
  for (let i = 0; i < 10; i++) {
    const res = await client.get<Job>(`/v1/jobs/${id}?wait=20`);
    if (!["queued", "running"].includes(res.body.status)) return res.body;
  }
  throw new Error(`job ${id} did not settle`);
}

describe("jobs: submit → run → release", () => {
  it("runs an open-data script and releases its output, downloadable as JSON, CSV and Arrow", async () => {
    const res = await submit(AIR);
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toBe(`/v1/jobs/${res.body.id}`);
    expect(res.body.status).toBe("queued");
    const job = await settled(res.body.id);
    expect(job.status).toBe("released");
    expect(job.outputs?.by_station).toHaveLength(12);
    expect(job.policyVersions).toMatchObject({ air_quality: 1, population: 1 });

    const json = await gw.operator.get<Record<string, unknown>[]>(`/v1/jobs/${job.id}/outputs/by_station`);
    expect(json.body).toEqual(job.outputs?.by_station);
    const csv = await gw.operator.get<string>(`/v1/jobs/${job.id}/outputs/by_station`, {
      accept: "text/csv",
    });
    expect(csv.contentType).toContain("text/csv");
    expect(csv.body.split("\r\n")[0]).toBe("station,pm25");
    expect(csv.body.trim().split("\r\n")).toHaveLength(13);
    const arrow = await gw.app.request(`/v1/jobs/${job.id}/outputs/by_station`, {
      headers: {
        authorization: `Bearer ${gw.credentials.operator.key}`,
        accept: "application/vnd.apache.arrow.stream",
      },
    });
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(12);
    expect(String(table.schema.fields.find((f) => f.name === "pm25")?.type)).toBe("Float64");
    expect(String(table.schema.fields.find((f) => f.name === "station")?.type)).toBe("Utf8");

    const kinds = gw.audit.events.filter((e) => e.subject.job === job.id).map((e) => e.type);
    expect(kinds).toEqual([
      "job.submitted",
      "job.started",
      "query.checked",
      "job.gate",
      "output.released",
      "job.finished",
      "output.downloaded",
      "output.downloaded",
      "output.downloaded",
    ]);
  });

  it("answers grade 3 aggregates with noise, thresholds and an ε charge", async () => {
    const job = await settled(
      (
        await submit(`export default async function main(ctx) {
          const rows = await ctx.sql("SELECT district, count(*) AS n, avg(annual_income) AS mean_income FROM population GROUP BY district");
          return { by_district: rows };
        }`)
      ).body.id,
    );
    expect(job.status).toBe("released");
    const rows = job.outputs!.by_district!;
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(Number(row.n)).toBeGreaterThanOrEqual(10);
    expect(job.usage?.epsilon.population).toBeGreaterThan(0);
  });

  it("fails a script whose query breaks a column rule, with a reason the operator can act on", async () => {
    const job = await settled(
      (
        await submit(`export default async function main(ctx) {
  return { t: await ctx.sql("SELECT name, id_number FROM population") };
}`)
      ).body.id,
    );
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("POLICY_VIOLATION");
    expect(job.error?.message).toMatch(/population/);
    expect(job.error?.line).toBe(2);
  });

  it("rejects an output holding a resident's real name, however the script came by it", async () => {
    const connection = await gw.dataDomain.connect();
    const [[name]] = (
      await connection.runAndReadAll("SELECT name FROM population ORDER BY person_id LIMIT 1")
    ).getRowsJson() as [[string]];
    connection.closeSync();
    const job = await settled(
      (await submit(`export default async () => ({ t: [{ who: ${JSON.stringify(name)}, n: 12 }] })`)).body.id,
    );
    expect(job.status).toBe("rejected");
    expect(job.decision?.reasons.map((r) => r.code)).toContain("identifier_in_domain");
    expect(job.outputs).toBeUndefined();
  });

  it("holds an output that looks like an identifier for review; the bureau approves; the operator downloads", async () => {
    const job = await settled(
      (await submit(`export default async () => ({ contact: [{ phone: "13912345678" }] })`)).body.id,
    );
    expect(job.status).toBe("held");
    expect(job.decision?.reasons.map((r) => r.code)).toContain("identifier_pattern");
    expect(job.outputs).toBeUndefined();
    expect((await gw.operator.get(`/v1/jobs/${job.id}/outputs/contact`)).status).toBe(404);

    const queue = await gw.bureau.get<{ reviews: { job: { id: string; outputs?: unknown } }[] }>(
      "/v1/reviews",
    );
    const pending = queue.body.reviews.find((r) => r.job.id === job.id);
    expect(pending?.job.outputs).toEqual({ contact: [{ phone: "13912345678" }] });

    const decided = await gw.bureau.post<{ job: Job }>(`/v1/reviews/${job.id}`, {
      decision: "approve",
      comment: "a public switchboard number",
    });
    expect(decided.status).toBe(200);
    expect(decided.body.job.status).toBe("released");
    expect((await gw.operator.get(`/v1/jobs/${job.id}/outputs/contact`)).body).toEqual([
      { phone: "13912345678" },
    ]);
    expect(
      (await gw.bureau.post(`/v1/reviews/${job.id}`, { decision: "approve", comment: "again" })).status,
    ).toBe(409);
  });

  it("lets no reviewer decide on a job of their own organisation, and refuses reviews to other roles", async () => {
    const job = await settled(
      (await submit(`export default async () => ({ t: [{ card: "6222021234567890128" }] })`)).body.id,
    );
    expect(job.status).toBe("held");
    const [operator] = await gw.controlPlane.query<{ organization: string }>(
      "SELECT organization FROM principals WHERE id = $1",
      [gw.demoOperatorId],
    );
    const insider = await createPrincipal(gw.controlPlane, {
      role: "bureau",
      name: "Seconded officer",
      organization: operator!.organization,
    });
    const insiderClient = gw.as((await issueApiKey(gw.controlPlane, insider.id)).key);
    expect(
      (await insiderClient.post(`/v1/reviews/${job.id}`, { decision: "approve", comment: "ok" })).body,
    ).toMatchObject({
      code: "FORBIDDEN",
    });
    expect(
      (await gw.operator.post(`/v1/reviews/${job.id}`, { decision: "approve", comment: "ok" })).status,
    ).toBe(403);
    expect((await gw.auditor.get("/v1/reviews")).status).toBe(403);
    const rejected = await gw.bureau.post<{ job: Job }>(`/v1/reviews/${job.id}`, {
      decision: "reject",
      comment: "bank card numbers may not leave",
    });
    expect(rejected.body.job.status).toBe("rejected");
  });
});

describe("jobs: access control", () => {
  it("hides a job from other operators (404) and from auditors (403); the bureau sees it", async () => {
    const { body } = await submit(AIR);
    const other = await gw.admitOperator();
    expect((await other.client.get(`/v1/jobs/${body.id}`)).status).toBe(404);
    expect((await other.client.get(`/v1/jobs/${body.id}/outputs/by_station`)).status).toBe(404);
    expect((await other.client.post(`/v1/jobs/${body.id}/cancel`)).status).toBe(404);
    expect((await gw.auditor.get(`/v1/jobs/${body.id}`)).status).toBe(403);
    expect((await gw.bureau.get(`/v1/jobs/${body.id}`)).status).toBe(200);
    expect(
      (await gw.bureau.post("/v1/jobs", { script: AIR, license: gw.credentials.operator.license })).status,
    ).toBe(403);
    expect((await gw.anonymous.get(`/v1/jobs/${body.id}`)).status).toBe(401);
    const listed = await other.client.get<{ jobs: Job[] }>("/v1/jobs");
    expect(listed.body.jobs.map((j) => j.id)).not.toContain(body.id);
    await settled(body.id);
  });

  it("refuses another operator's license as if it did not exist, and a wrong purpose", async () => {
    const other = await gw.admitOperator();
    const res = await submit(AIR, gw.credentials.operator.license, other.client);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "LICENSE_INVALID", detail: "no such license for this operator" });
    const wrong = await gw.operator.post("/v1/jobs", {
      script: AIR,
      license: gw.credentials.operator.license,
      purpose: "marketing",
    });
    expect(wrong.body).toMatchObject({ code: "LICENSE_INVALID" });
  });

  it("refuses an expired license", async () => {
    await grantLicense(gw.controlPlane, {
      id: "lic_expired",
      operator: gw.demoOperatorId,
      purpose: "urban-analytics",
      validFrom: "2024-01-01T00:00:00Z",
      validTo: "2025-01-01T00:00:00Z",
      datasets: [{ name: "air_quality" }],
      quotas: {},
      releaseMode: "auto",
    });
    expect((await submit(AIR, "lic_expired")).body).toMatchObject({ code: "LICENSE_EXPIRED" });
  });

  it("validates the body: 400 naming the field, never 500", async () => {
    expect((await gw.operator.post("/v1/jobs", { license: "x" })).body).toMatchObject({
      code: "BAD_REQUEST",
    });
    expect((await gw.operator.post("/v1/jobs", "{not json")).status).toBe(400);
    expect((await gw.operator.post("/v1/jobs", { script: AIR, license: "x", extra: 1 })).status).toBe(400);
  });
});

describe("jobs: idempotency, queueing and cancellation", () => {
  it("returns the first job for a repeated Idempotency-Key and refuses the key for another body", async () => {
    const first = await submit(AIR, undefined, undefined, { "idempotency-key": "k-1" });
    const again = await submit(AIR, undefined, undefined, { "idempotency-key": "k-1" });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await submit(`${AIR}\n// changed`, undefined, undefined, { "idempotency-key": "k-1" });
    expect(other.status).toBe(409);
    await settled(first.body.id);
  });
});

describe("jobs: lifecycle under load and failure", () => {
  let small: TestGateway;
  const SLOW = `export default async function main(ctx) {
    const until = Date.now() + 700; while (Date.now() < until) {}
    return { t: [{ x: 1 }] };
  }`;

  beforeAll(async () => {
    small = await startTestGateway({
      seedScale: 0.002,
      sandboxWorkers: 1,
      queueCapacity: 2,
      perOperatorConcurrency: 1,
    });
  });
  afterAll(async () => {
    await small?.close();
  });

  it("answers 429 QUEUE_FULL beyond the queue bound and loses no accepted job", async () => {
    const license = small.credentials.operator.license;
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push(await small.operator.post<Job>("/v1/jobs", { script: SLOW, license }));
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.body).toMatchObject({ code: "QUEUE_FULL" });
    expect(refused[0]!.headers.get("retry-after")).toBe("5");
    expect(accepted.length).toBe(5 - refused.length);
    for (const a of accepted) expect((await settled(a.body.id, small.operator)).status).toBe("released");
  });

  it("cancels a queued job, and re-checks the license when a queued job starts", async () => {
    const license = small.credentials.operator.license;
    const running = await small.operator.post<Job>("/v1/jobs", { script: SLOW, license });
    const queued = await small.operator.post<Job>("/v1/jobs", { script: SLOW, license });
    const cancelled = await small.operator.post<Job>(`/v1/jobs/${queued.body.id}/cancel`);
    expect(cancelled.body.status).toBe("cancelled");
    expect((await small.operator.post(`/v1/jobs/${queued.body.id}/cancel`)).status).toBe(409);

    const waiting = await small.operator.post<Job>("/v1/jobs", { script: SLOW, license });
    await small.controlPlane.run("UPDATE licenses SET status = 'suspended' WHERE id = $1", [license]);
    const job = await settled(waiting.body.id, small.operator);
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("LICENSE_INVALID");
    await small.controlPlane.run("UPDATE licenses SET status = 'active' WHERE id = $1", [license]);
    expect((await settled(running.body.id, small.operator)).status).toBe("released");
  });

  it("after a restart, fails the jobs that were running once, with the reason, and runs the queued ones", async () => {
    const license = small.credentials.operator.license;
    const insert = (id: string, status: string) =>
      small.controlPlane.run(
        `INSERT INTO jobs (id, operator_id, license_id, purpose, language, script, script_sha256, status, submitted_at, runner, lease_until)
         VALUES ($1, $2, $3, 'urban-analytics', 'javascript', $4, 'x', $5, $6, $7, $8)`,
        [
          id,
          small.demoOperatorId,
          license,
          "export default async () => ({ t: [{ ok: 1 }] })",
          status,
          new Date().toISOString(),
          status === "running" ? "runner_of_a_previous_life" : null,
          status === "running" ? new Date(Date.now() + 3_600_000).toISOString() : null,
        ],
      );
    await insert("job_was_running", "running");
    await insert("job_was_queued", "queued");
    const recovered = await small.restartRunner();
    expect(recovered.failed).toBe(1);
    const interrupted = await settled("job_was_running", small.operator);
    expect(interrupted.status).toBe("failed");
    expect(interrupted.error?.message).toMatch(/stopped while it was running/);
    expect((await settled("job_was_queued", small.operator)).status).toBe("released");
    const ends = [];
    for await (const entry of small.ledger.query({ job: "job_was_running", type: "job.finished" }))
      ends.push(entry);
    expect(ends).toHaveLength(1);
  });
});

describe("jobs: server-sent events on a listening server", () => {
  it("streams queued, running, query, progress, gate and finished events, then ends", async () => {
    const server = serve({ fetch: gw.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { body } = await submit(AIR);
      const res = await fetch(`http://127.0.0.1:${port}/v1/jobs/${body.id}/events`, {
        headers: { authorization: `Bearer ${gw.credentials.operator.key}` },
      });
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const text = await res.text();
      const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
      expect(events[0]).toBe("queued");
      expect(events).toEqual(expect.arrayContaining(["running", "query", "progress", "gate", "finished"]));
      expect(events.at(-1)).toBe("finished");
      expect(text).toContain('"status":"released"');
    } finally {
      server.close();
    }
  });
});

describe("jobs: cancelling a running job", () => {
  it("stops a running script at once and frees its worker for the next job", async () => {
    const spin = await submit(`export default async function main() { for (;;) {} }`);
    for (let i = 0; i < 50; i++) {
      if ((await gw.operator.get<Job>(`/v1/jobs/${spin.body.id}`)).body.status === "running") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const cancelled = await gw.operator.post<Job>(`/v1/jobs/${spin.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect((await settled(spin.body.id)).status).toBe("cancelled");
    expect((await settled((await submit(AIR)).body.id)).status).toBe("released");
  });
});

describe("jobs: fairness and two-person review", () => {
  let fair: TestGateway;
  const SLOW = `export default async function main() {
    const until = Date.now() + 900; while (Date.now() < until) {}
    return { t: [{ x: 1 }] };
  }`;

  beforeAll(async () => {
    fair = await startTestGateway({ seedScale: 0.002, sandboxWorkers: 2, perOperatorConcurrency: 1 });
  });
  afterAll(async () => {
    await fair?.close();
  });

  it("runs one operator's jobs one at a time while another operator's job uses the free worker", async () => {
    const license = fair.credentials.operator.license;
    const a1 = await fair.operator.post<Job>("/v1/jobs", { script: SLOW, license });
    const a2 = await fair.operator.post<Job>("/v1/jobs", { script: SLOW, license });
    const other = await fair.admitOperator();
    await grantLicense(fair.controlPlane, {
      id: "lic_other",
      operator: other.id,
      purpose: "urban-analytics",
      validFrom: new Date(Date.now() - 1000).toISOString(),
      validTo: new Date(Date.now() + 86_400_000).toISOString(),
      datasets: [{ name: "air_quality" }],
      quotas: {},
      releaseMode: "auto",
    });
    const b = await other.client.post<Job>("/v1/jobs", { script: SLOW, license: "lic_other" });
    type Timed = Job & { startedAt: string; finishedAt: string; usage: { wallMs: number } };
    const [first, second] = [
      (await settled(a1.body.id, fair.operator)) as Timed,
      (await settled(a2.body.id, fair.operator)) as Timed,
    ];
    const theirs = (await settled(b.body.id, other.client)) as Timed;
    // The second job of the same operator waited for the first's sandbox run to end (the slot is
    // free once it has; the first may still be writing its audit entries)…
    // (less 1 ms: the stored times are whole milliseconds, the wall time is not)
    expect(Date.parse(second.startedAt)).toBeGreaterThanOrEqual(
      Date.parse(first.startedAt) + first.usage.wallMs - 1,
    );
    // …while the other operator's job started before the first one finished.
    expect(Date.parse(theirs.startedAt)).toBeLessThan(Date.parse(first.finishedAt));
  });

  it("needs two distinct reviewers when the job's data demands it", async () => {
    const held = await settled(
      (
        await fair.operator.post<Job>("/v1/jobs", {
          script: `export default async () => ({ t: [{ phone: "13812345678" }] })`,
          license: fair.credentials.operator.license,
        })
      ).body.id,
      fair.operator,
    );
    expect(held.status).toBe("held");
    // As the gate records for a job that read grade 4 data.
    await fair.controlPlane.run(
      "UPDATE jobs SET decision = replace(decision, '\"reviewsRequired\":1', '\"reviewsRequired\":2') WHERE id = $1",
      [held.id],
    );
    const one = await fair.bureau.post<{ job: Job }>(`/v1/reviews/${held.id}`, {
      decision: "approve",
      comment: "ok",
    });
    expect(one.body.job.status).toBe("held");
    expect(
      (await fair.bureau.post(`/v1/reviews/${held.id}`, { decision: "approve", comment: "again" })).status,
    ).toBe(409);
    const secondOfficer = await createPrincipal(fair.controlPlane, {
      role: "bureau",
      name: "Second officer",
      organization: "呼和浩特市数据局 (Hohhot Data Bureau)",
    });
    const second = fair.as((await issueApiKey(fair.controlPlane, secondOfficer.id)).key);
    const two = await second.post<{ job: Job }>(`/v1/reviews/${held.id}`, {
      decision: "approve",
      comment: "agreed",
    });
    expect(two.body.job.status).toBe("released");
  });
});

describe("jobs: license quotas", () => {
  it("stop work at the limit: jobs a day at submission, queries per job during the run", async () => {
    await grantLicense(gw.controlPlane, {
      id: "lic_quota",
      operator: gw.demoOperatorId,
      purpose: "urban-analytics",
      validFrom: new Date(Date.now() - 1000).toISOString(),
      validTo: new Date(Date.now() + 86_400_000).toISOString(),
      datasets: [{ name: "air_quality" }],
      quotas: { jobsPerDay: 2, queriesPerJob: 1 },
      releaseMode: "auto",
    });
    const twoQueries = `export default async function main(ctx) {
      await ctx.sql("SELECT count(*) AS n FROM air_quality");
      return { t: await ctx.sql("SELECT count(*) AS n FROM air_quality") };
    }`;
    const overQueries = await settled((await submit(twoQueries, "lic_quota")).body.id);
    expect(overQueries.status).toBe("failed");
    expect(overQueries.error?.code).toBe("LIMIT_EXCEEDED");
    expect((await settled((await submit(AIR, "lic_quota")).body.id)).status).toBe("released");
    const third = await submit(AIR, "lic_quota");
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ code: "QUOTA_EXCEEDED" });
  });

  it("admit no more jobs a day than the quota when they arrive all at once", async () => {
    await grantLicense(gw.controlPlane, {
      id: "lic_quota_burst",
      operator: gw.demoOperatorId,
      purpose: "urban-analytics",
      validFrom: new Date(Date.now() - 1000).toISOString(),
      validTo: new Date(Date.now() + 86_400_000).toISOString(),
      datasets: [{ name: "air_quality" }],
      quotas: { jobsPerDay: 3 },
      releaseMode: "auto",
    });
    const answers = await Promise.all(Array.from({ length: 10 }, () => submit(AIR, "lic_quota_burst")));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(3);
    for (const refused of answers.filter((a) => a.status !== 202)) {
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: "QUOTA_EXCEEDED" });
    }
    for (const a of answers.filter((a) => a.status === 202)) {
      expect((await settled((a.body as Job).id)).status).toBe("released");
    }
  });
});

describe("jobs: the queue bound under concurrent submissions", () => {
  it("never holds more accepted jobs than its capacity, whatever the interleaving", async () => {
    const tight = await startTestGateway({ seedScale: 0.002, sandboxWorkers: 1, queueCapacity: 3 });
    try {
      const license = tight.credentials.operator.license;
      const script = `export default async function main() {
        const until = Date.now() + 400; while (Date.now() < until) {}
        return { t: [{ x: 1 }] };
      }`;
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => tight.operator.post<Job>("/v1/jobs", { script, license })),
      );
      const accepted = answers.filter((a) => a.status === 202);
      expect(answers.filter((a) => a.status === 429).length).toBe(20 - accepted.length);
      // One may already be running; at most `capacity` wait behind it.
      expect(accepted.length).toBeLessThanOrEqual(4);
      const [waiting] = await tight.controlPlane.query<{ n: number }>(
        "SELECT count(*) AS n FROM jobs WHERE status = 'queued'",
      );
      expect(waiting!.n).toBeLessThanOrEqual(3);
      for (const a of accepted) expect((await settled(a.body.id, tight.operator)).status).toBe("released");
    } finally {
      await tight.close();
    }
  });
});

describe("jobs: a row-reading job that fails", () => {
  it("is held like any row-reading job; the operator sees neither its error nor its use until review", async () => {
    const rowRule = await startTestGateway({ seedScale: 0.002 });
    try {
      // A grade 2 dataset whose license lets the operator read one column row by row.
      const [manifest] = await rowRule.controlPlane.query<{ manifest: string }>(
        "SELECT manifest FROM dataset_versions WHERE dataset = 'enterprises' ORDER BY version DESC LIMIT 1",
      );
      const enterprises = JSON.parse(manifest!.manifest);
      enterprises.columns = enterprises.columns.map((c: { name: string }) =>
        c.name === "industry" ? { ...c, rule: "row" } : c,
      );
      // Reading rows is a loosening: one officer proposes, a second approves (two-person rule).
      const proposed = await rowRule.bureau.put<{ id: string }>(
        "/v1/datasets/enterprises/policy",
        enterprises,
      );
      expect(proposed.status).toBe(202);
      const approved = await rowRule.bureau2.post(`/v1/proposals/${proposed.body.id}/decision`, {
        decision: "approve",
      });
      expect(approved.status).toBe(200);
      const script = `export default async function main(ctx) {
        const rows = await ctx.sql("SELECT industry FROM enterprises");
        const e = new Error("read " + rows.length); e.name = "Leak" + rows.length; throw e;
      }`;
      const job = await settled(
        (
          await rowRule.operator.post<Job>("/v1/jobs", {
            script,
            license: rowRule.credentials.operator.license,
          })
        ).body.id,
        rowRule.operator,
      );
      expect(job.status).toBe("held");
      expect(job.error).toBeUndefined();
      expect(job.usage ?? null).toBeNull();
      const usage = await rowRule.operator.get<{ totals: { jobs: number } }>("/v1/usage");
      expect(usage.body.totals.jobs).toBe(0);
      const reviewed = await rowRule.bureau.get<Job>(`/v1/jobs/${job.id}`);
      expect(reviewed.body.error?.message).toMatch(/^read \d+$/);
      const decided = await rowRule.bureau.post<{ job: Job }>(`/v1/reviews/${job.id}`, {
        decision: "approve",
        comment: "the count is public",
      });
      expect(decided.body.job.status).toBe("failed");
      expect((await rowRule.operator.get<Job>(`/v1/jobs/${job.id}`)).body.error?.message).toMatch(
        /^read \d+$/,
      );
    } finally {
      await rowRule.close();
    }
  });
});
