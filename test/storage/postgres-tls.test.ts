import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../gateway/config.ts";
import { openPostgresStore, postgresConnection } from "../../storage/postgres-store.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type CertificateFiles, issuedBy, selfSigned } from "../support/certificates.ts";
import { tempDir } from "../support/duckdb.ts";
import { type LocalPostgres, startEmbeddedPostgres } from "../support/embedded-postgres.ts";

/** A real PostgreSQL serving TLS with a certificate for `localhost` from a test CA. */
let folder: Awaited<ReturnType<typeof tempDir>>;
let server: LocalPostgres;
let ca: CertificateFiles;
let otherCa: CertificateFiles;
/** The server's URL with its host as `localhost` (the name its certificate has) and a query string to add. */
let at: (host: string, query: string) => string;

beforeAll(async () => {
  folder = await tempDir("aos-pg-tls-");
  ca = selfSigned(folder.dir, "db-ca", { ca: true });
  otherCa = selfSigned(folder.dir, "other-ca", { ca: true });
  const cert = issuedBy(ca, folder.dir, "db", { altNames: "DNS:localhost" });
  server = await startEmbeddedPostgres({ tls: { cert: cert.cert, key: cert.key } });
  at = (host, query) => {
    const url = new URL(server.url);
    url.hostname = host;
    return `${url.toString()}?${query}`;
  };
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await folder?.remove();
});

/** Whether the store's own connection is encrypted, as the server sees it. */
async function encrypted(store: SqlStore): Promise<boolean> {
  const rows = await store.query<{ ssl: boolean }>(
    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
  );
  return rows[0]!.ssl;
}

async function opened(url: string, files: { caFile?: string } = {}): Promise<boolean> {
  const store = await openPostgresStore(await postgresConnection(url, files));
  try {
    return await encrypted(store);
  } finally {
    await store.close();
  }
}

describe("PostgreSQL over TLS", () => {
  it("connects encrypted and verified with sslmode=verify-full and DATABASE_CA_FILE", async () => {
    expect(await opened(at("localhost", "sslmode=verify-full"), { caFile: ca.cert })).toBe(true);
    // The CA file alone means verify-full.
    expect(await opened(at("localhost", ""), { caFile: ca.cert })).toBe(true);
  });

  it("refuses a server whose certificate another CA issued, or that names another host", async () => {
    await expect(opened(at("localhost", "sslmode=verify-full"), { caFile: otherCa.cert })).rejects.toThrow(
      /certificate/,
    );
    await expect(opened(at("127.0.0.1", "sslmode=verify-full"), { caFile: ca.cert })).rejects.toThrow(
      /altnames|does not match|IP: 127\.0\.0\.1/i,
    );
    // verify-ca checks the issuer only, as libpq does.
    expect(await opened(at("127.0.0.1", "sslmode=verify-ca"), { caFile: ca.cert })).toBe(true);
  });

  it("encrypts without verifying on sslmode=require, and is plain on sslmode=disable", async () => {
    expect(await opened(at("127.0.0.1", "sslmode=require"))).toBe(true);
    expect(await opened(at("127.0.0.1", "sslmode=disable"))).toBe(false);
  });

  it("refuses settings that cannot mean what they say, naming the setting", async () => {
    await expect(postgresConnection(at("localhost", "sslmode=verify-ca"))).rejects.toThrow(
      /sslmode=verify-ca: set DATABASE_CA_FILE/,
    );
    await expect(
      postgresConnection(at("localhost", "sslrootcert=/ca.pem&sslmode=verify-full")),
    ).rejects.toThrow(/give the file in DATABASE_CA_FILE/);
    await expect(
      postgresConnection(at("localhost", "sslmode=verify-full"), { caFile: "/nonexistent/ca.pem" }),
    ).rejects.toThrow(/DATABASE_CA_FILE \/nonexistent\/ca\.pem cannot be read \(ENOENT\)/);
  });
});

describe("DATABASE_URL configuration", () => {
  const remote = "postgres://aos@db.example:5432/aos";
  it("refuses a plain connection to a PostgreSQL off this machine, saying what to set", () => {
    for (const url of [remote, `${remote}?sslmode=disable`, `${remote}?sslmode=prefer`]) {
      expect(() => loadConfig({ DATABASE_URL: url })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ DATABASE_URL: remote })).toThrow(
      /sslmode=verify-full and DATABASE_CA_FILE=.*DATABASE_ALLOW_PLAINTEXT=true/,
    );
  });

  it("accepts TLS off this machine, plain on it, and plain off it only when allowed", () => {
    expect(loadConfig({ DATABASE_URL: `${remote}?sslmode=verify-full` }).DATABASE_URL).toBeDefined();
    expect(loadConfig({ DATABASE_URL: remote, DATABASE_CA_FILE: "/ca.pem" }).DATABASE_CA_FILE).toBe(
      "/ca.pem",
    );
    expect(
      loadConfig({ DATABASE_URL: remote, DATABASE_ALLOW_PLAINTEXT: "true" }).DATABASE_ALLOW_PLAINTEXT,
    ).toBe(true);
    expect(loadConfig({ DATABASE_URL: "postgres://aos@127.0.0.1/aos" }).DATABASE_URL).toBeDefined();
    expect(
      loadConfig({ DATABASE_URL: "postgres:///aos?host=/var/run/postgresql" }).DATABASE_URL,
    ).toBeDefined();
  });

  it("refuses TLS files without DATABASE_URL, half a client certificate, and sslmode=disable with files", () => {
    expect(() => loadConfig({ DATABASE_CA_FILE: "/ca.pem" })).toThrow(/set it too/);
    expect(() =>
      loadConfig({ DATABASE_URL: `${remote}?sslmode=verify-full`, DATABASE_CERT_FILE: "/c.pem" }),
    ).toThrow(/a client certificate needs its key/);
    expect(() =>
      loadConfig({ DATABASE_URL: `${remote}?sslmode=disable`, DATABASE_CA_FILE: "/ca.pem" }),
    ).toThrow(/sslmode=disable while/);
  });
});
