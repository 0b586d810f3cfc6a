/**
 * Versioned schema of the control-plane database. A migration is never edited once released: a
 * change is a new entry. Each runs in its own transaction together with its version record.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "principals, api keys, licenses, dataset policy versions",
    statements: [
      `CREATE TABLE principals (
        id VARCHAR PRIMARY KEY,
        role VARCHAR NOT NULL CHECK (role IN ('operator', 'bureau', 'auditor')),
        name VARCHAR NOT NULL,
        organization VARCHAR NOT NULL,
        status VARCHAR NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
        created_at TIMESTAMPTZ NOT NULL
      )`,
      // Only a SHA-256 of each key is kept: keys are 256-bit random, so a fast hash is enough and
      // a leaked table reveals no usable key. The prefix identifies a key in logs and listings.
      `CREATE TABLE api_keys (
        prefix VARCHAR PRIMARY KEY,
        principal_id VARCHAR NOT NULL REFERENCES principals (id),
        key_hash VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ
      )`,
      `CREATE TABLE licenses (
        id VARCHAR PRIMARY KEY,
        operator_id VARCHAR NOT NULL REFERENCES principals (id),
        status VARCHAR NOT NULL CHECK (status IN ('active', 'suspended', 'expired', 'revoked')),
        document JSON NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE dataset_versions (
        dataset VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        manifest JSON NOT NULL,
        effective_from TIMESTAMPTZ NOT NULL,
        author VARCHAR NOT NULL,
        note VARCHAR,
        PRIMARY KEY (dataset, version)
      )`,
    ],
  },
  {
    version: 2,
    name: "operator qualification and status reasons, jobs, reviews, tariffs, privacy-budget ledger",
    statements: [
      // Admission and exit: who the operator is (qualification) and why its status last changed.
      "ALTER TABLE principals ADD COLUMN qualification JSON",
      "ALTER TABLE principals ADD COLUMN status_reason VARCHAR",
      "ALTER TABLE principals ADD COLUMN status_changed_at TIMESTAMPTZ",
      "ALTER TABLE licenses ADD COLUMN status_reason VARCHAR",
      "ALTER TABLE licenses ADD COLUMN updated_at TIMESTAMPTZ",
      `CREATE TABLE jobs (
        id VARCHAR PRIMARY KEY,
        operator_id VARCHAR NOT NULL,
        license_id VARCHAR NOT NULL,
        purpose VARCHAR NOT NULL,
        language VARCHAR NOT NULL,
        script VARCHAR NOT NULL,
        script_sha256 VARCHAR NOT NULL,
        idempotency_key VARCHAR,
        status VARCHAR NOT NULL,
        submitted_at TIMESTAMPTZ NOT NULL,
        started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        policy_versions JSON,
        decision JSON,
        outputs JSON,
        error JSON,
        usage JSON
      )`,
      "CREATE INDEX jobs_operator ON jobs (operator_id, submitted_at)",
      "CREATE INDEX jobs_status ON jobs (status)",
      `CREATE TABLE reviews (
        job_id VARCHAR NOT NULL,
        reviewer_id VARCHAR NOT NULL,
        decision VARCHAR NOT NULL CHECK (decision IN ('approve', 'reject')),
        comment VARCHAR NOT NULL,
        decided_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (job_id, reviewer_id)
      )`,
      `CREATE TABLE tariffs (
        version INTEGER PRIMARY KEY,
        tariff JSON NOT NULL,
        effective_from TIMESTAMPTZ NOT NULL,
        author VARCHAR NOT NULL
      )`,
      `CREATE TABLE budget_charges (
        license_id VARCHAR NOT NULL,
        query_key VARCHAR NOT NULL,
        dataset VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        micro_epsilon BIGINT NOT NULL,
        charged_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (license_id, query_key, dataset)
      )`,
      `CREATE TABLE budget_answers (
        license_id VARCHAR NOT NULL,
        query_key VARCHAR NOT NULL,
        answer JSON NOT NULL,
        PRIMARY KEY (license_id, query_key)
      )`,
    ],
  },
  {
    version: 3,
    name: "release receipts of jobs",
    statements: ["ALTER TABLE jobs ADD COLUMN receipt JSON"],
  },
  {
    version: 4,
    name: "no index on job status",
    // DuckDB turns an update of an indexed column into a delete and an insert of the whole row
    // (script included) with every index maintained: each job's two status changes cost twice
    // what they do without it. The column has a handful of values, so the index never beat a
    // scan of it anyway (recovery and job lists filter on it).
    statements: ["DROP INDEX jobs_status"],
  },
];
