import { sqlDialect } from "./sql-dialect.ts";
import type { SqlDialect, SqlExecutor } from "./sql-store.ts";

/**
 * The control plane's schema, as numbered migrations in the SQL both engines accept. A migration
 * is never edited once released: a change is a new entry. All pending ones run in one transaction
 * with their version records; on PostgreSQL an advisory lock makes nodes that start together
 * take turns, so a schema is migrated once.
 *
 * Conventions: times are RFC 3339 UTC text (`2026-12-04T15:39:20.574Z`, which sorts as it
 * reads); documents are JSON text; ids are text; ε is kept in integer micro-ε.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: (dialect: SqlDialect) => readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "principals, keys, licenses, policy versions, jobs, reviews, tariffs, budget, audit log",
    statements: (dialect) => [
      `CREATE TABLE principals (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('operator', 'bureau', 'auditor')),
        name TEXT NOT NULL,
        organization TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
        qualification TEXT,
        status_reason TEXT,
        status_changed_at TEXT,
        created_at TEXT NOT NULL
      )`,
      // One live operator per unified social credit code, however many registrations race.
      `CREATE UNIQUE INDEX principals_live_uscc ON principals (${
        dialect === "postgres" ? "(qualification::jsonb ->> 'uscc')" : "json_extract(qualification, '$.uscc')"
      }) WHERE role = 'operator' AND status <> 'revoked'`,
      // Only a SHA-256 of each key is kept: keys are 256-bit random, so a fast hash is enough and
      // a leaked table reveals no usable key. The prefix names a key in logs and listings.
      `CREATE TABLE api_keys (
        prefix TEXT PRIMARY KEY,
        principal_id TEXT NOT NULL REFERENCES principals (id),
        key_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      )`,
      "CREATE INDEX api_keys_principal ON api_keys (principal_id)",
      `CREATE TABLE licenses (
        id TEXT PRIMARY KEY,
        operator_id TEXT NOT NULL REFERENCES principals (id),
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'expired', 'revoked')),
        document TEXT NOT NULL,
        status_reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT
      )`,
      "CREATE INDEX licenses_operator ON licenses (operator_id)",
      `CREATE TABLE dataset_versions (
        dataset TEXT NOT NULL,
        version INTEGER NOT NULL,
        manifest TEXT NOT NULL,
        effective_from TEXT NOT NULL,
        author TEXT NOT NULL,
        note TEXT,
        PRIMARY KEY (dataset, version)
      )`,
      // A job's whole life is this row: its status, lease and products change in the same
      // transaction as the audit entries that record the change.
      `CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        operator_id TEXT NOT NULL,
        license_id TEXT NOT NULL,
        purpose TEXT NOT NULL,
        language TEXT NOT NULL,
        script TEXT NOT NULL,
        script_sha256 TEXT NOT NULL,
        idempotency_key TEXT,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'released', 'held', 'rejected', 'failed', 'cancelled')),
        submitted_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        policy_versions TEXT,
        decision TEXT,
        outputs TEXT,
        error TEXT,
        usage TEXT,
        receipt TEXT,
        runner TEXT,
        lease_until TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        cancel_requested_at TEXT
      )`,
      // One job per operator and Idempotency-Key, however many submissions race (NULLs differ).
      "CREATE UNIQUE INDEX jobs_idempotency ON jobs (operator_id, idempotency_key)",
      "CREATE INDEX jobs_operator ON jobs (operator_id, submitted_at)",
      "CREATE INDEX jobs_license ON jobs (license_id, submitted_at)",
      "CREATE INDEX jobs_status ON jobs (status, submitted_at)",
      `CREATE TABLE reviews (
        job_id TEXT NOT NULL,
        reviewer_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
        comment TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (job_id, reviewer_id)
      )`,
      `CREATE TABLE tariffs (
        version INTEGER PRIMARY KEY,
        tariff TEXT NOT NULL,
        effective_from TEXT NOT NULL,
        author TEXT NOT NULL
      )`,
      // Each query's charge, once per license, query and dataset (the key refuses a second).
      `CREATE TABLE budget_charges (
        license_id TEXT NOT NULL,
        query_key TEXT NOT NULL,
        dataset TEXT NOT NULL,
        period TEXT NOT NULL,
        micro_epsilon BIGINT NOT NULL,
        charged_at TEXT NOT NULL,
        PRIMARY KEY (license_id, query_key, dataset)
      )`,
      // What is spent per license, dataset and period: a charge is a conditional update of this
      // row, so no two writers, in one process or on two nodes, can together pass the limit.
      `CREATE TABLE budget_spent (
        license_id TEXT NOT NULL,
        dataset TEXT NOT NULL,
        period TEXT NOT NULL,
        micro_epsilon BIGINT NOT NULL CHECK (micro_epsilon >= 0),
        PRIMARY KEY (license_id, dataset, period)
      )`,
      `CREATE TABLE budget_answers (
        license_id TEXT NOT NULL,
        query_key TEXT NOT NULL,
        answer TEXT NOT NULL,
        PRIMARY KEY (license_id, query_key)
      )`,
      // The data domain's content, by version: every runner checks that its read-only copy is
      // the current one before it claims work, so nodes never answer from different data.
      `CREATE TABLE domain_versions (
        version INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL
      )`,
      // The hash-chained audit log. `line` is the entry's canonical JSON exactly as an export
      // writes it, so the offline verifier checks what the store holds; the other columns are
      // copies for auditors' filters.
      `CREATE TABLE audit_entries (
        position BIGINT PRIMARY KEY,
        time TEXT NOT NULL,
        type TEXT NOT NULL,
        actor TEXT NOT NULL,
        job TEXT,
        operator TEXT,
        license TEXT,
        datasets TEXT,
        line TEXT NOT NULL
      )`,
      "CREATE INDEX audit_entries_job ON audit_entries (job, position)",
      "CREATE INDEX audit_entries_operator ON audit_entries (operator, position)",
      "CREATE INDEX audit_entries_license ON audit_entries (license, position)",
      "CREATE INDEX audit_entries_type ON audit_entries (type, position)",
      "CREATE INDEX audit_entries_time ON audit_entries (time)",
      // The chain's head: the next position, the last hash and time. Every append locks and moves
      // it in the appending transaction, which makes the chain one history across nodes.
      `CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        next_position BIGINT NOT NULL,
        hash TEXT NOT NULL,
        time TEXT NOT NULL,
        last_checkpoint BIGINT NOT NULL
      )`,
      `INSERT INTO audit_head (id, next_position, hash, time, last_checkpoint)
       VALUES (1, 0, '${"0".repeat(64)}', '1970-01-01T00:00:00.000Z', -1)`,
    ],
  },
  {
    version: 2,
    name: "governance: holder role, dataset data versions, applications, proposals, freezes, inbox, webhooks, alerts",
    statements: (dialect) => {
      const serial = dialect === "postgres" ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
      const roles = "CHECK (role IN ('operator', 'bureau', 'auditor', 'holder'))";
      return [
        // Holder departments are principals too. SQLite cannot alter a CHECK constraint: the table is
        // rebuilt (its store runs migrations with foreign-key enforcement off, so the keys and
        // licenses that reference it stay as they are).
        ...(dialect === "postgres"
          ? [
              "ALTER TABLE principals DROP CONSTRAINT principals_role_check",
              `ALTER TABLE principals ADD CONSTRAINT principals_role_check ${roles}`,
            ]
          : [
              `CREATE TABLE principals_v2 (
                id TEXT PRIMARY KEY,
                role TEXT NOT NULL ${roles},
                name TEXT NOT NULL,
                organization TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
                qualification TEXT,
                status_reason TEXT,
                status_changed_at TEXT,
                created_at TEXT NOT NULL
              )`,
              "INSERT INTO principals_v2 SELECT id, role, name, organization, status, qualification, status_reason, status_changed_at, created_at FROM principals",
              "DROP TABLE principals",
              "ALTER TABLE principals_v2 RENAME TO principals",
              `CREATE UNIQUE INDEX principals_live_uscc ON principals (json_extract(qualification, '$.uscc'))
               WHERE role = 'operator' AND status <> 'revoked'`,
            ]),
        "CREATE INDEX principals_role ON principals (role, organization)",
        // Each supplied version of a dataset's data: what was supplied (format, SHA-256 of the bytes
        // as uploaded), what the domain stores (its file and that file's SHA-256, which every node
        // checks before it serves the version), and who supplied it.
        `CREATE TABLE data_versions (
          dataset TEXT NOT NULL,
          version INTEGER NOT NULL,
          format TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          file TEXT NOT NULL,
          file_sha256 TEXT NOT NULL,
          rows BIGINT NOT NULL,
          bytes BIGINT NOT NULL,
          supplied_by TEXT NOT NULL,
          supplied_at TEXT NOT NULL,
          note TEXT,
          PRIMARY KEY (dataset, version)
        )`,
        // Which data version of each dataset new jobs read: one row per dataset, switched in the
        // transaction that records the switch.
        `CREATE TABLE data_current (
          dataset TEXT PRIMARY KEY,
          version INTEGER NOT NULL,
          switched_at TEXT NOT NULL,
          switched_by TEXT NOT NULL
        )`,
        // A license application and its life. `document` is what was applied for; the license
        // granted is built from it alone. `policy_versions` names the dataset policies it was
        // judged under.
        `CREATE TABLE applications (
          id TEXT PRIMARY KEY,
          operator_id TEXT NOT NULL REFERENCES principals (id),
          status TEXT NOT NULL CHECK (status IN ('awaiting_consent', 'awaiting_approval', 'approved', 'refused', 'withdrawn', 'expired', 'superseded')),
          document TEXT NOT NULL,
          policy_versions TEXT NOT NULL,
          amends TEXT REFERENCES applications (id),
          license_id TEXT,
          status_reason TEXT,
          submitted_at TEXT NOT NULL,
          expires_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        )`,
        "CREATE INDEX applications_operator ON applications (operator_id, submitted_at)",
        "CREATE INDEX applications_status ON applications (status, expires_at)",
        // Each party's word on an application: a holder's consent or refusal per dataset, a bureau
        // officer's approval or refusal. The key lets an officer decide once per step and dataset.
        `CREATE TABLE application_decisions (
          application_id TEXT NOT NULL REFERENCES applications (id),
          step TEXT NOT NULL CHECK (step IN ('consent', 'approval')),
          dataset TEXT NOT NULL,
          decider_id TEXT NOT NULL,
          decision TEXT NOT NULL CHECK (decision IN ('consent', 'approve', 'refuse')),
          reason TEXT,
          policy_versions TEXT NOT NULL,
          decided_at TEXT NOT NULL,
          PRIMARY KEY (application_id, step, dataset, decider_id)
        )`,
        // A loosening change waiting for a second officer: the change itself, its readable diff,
        // the version it was proposed against, and when it takes effect once approved (NULL: at
        // approval; set to the actual time when approved). `applied_version` names the policy or
        // tariff version an approval created.
        `CREATE TABLE proposals (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('policy', 'tariff', 'unfreeze')),
          subject TEXT NOT NULL,
          document TEXT NOT NULL,
          diff TEXT NOT NULL,
          base_version INTEGER,
          status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused', 'withdrawn', 'superseded')),
          proposer_id TEXT NOT NULL,
          decider_id TEXT,
          reason TEXT NOT NULL,
          decision_reason TEXT,
          effective_at TEXT,
          created_at TEXT NOT NULL,
          decided_at TEXT,
          applied_version INTEGER
        )`,
        "CREATE INDEX proposals_status ON proposals (status, created_at)",
        // Emergency stops. A freeze is live from frozen_at until lifted_at (set by an approved
        // lifting proposal, possibly in the future).
        `CREATE TABLE freezes (
          id TEXT PRIMARY KEY,
          scope TEXT NOT NULL CHECK (scope IN ('domain', 'dataset', 'operator', 'license')),
          target TEXT NOT NULL,
          reason TEXT NOT NULL,
          frozen_by TEXT NOT NULL,
          frozen_at TEXT NOT NULL,
          lifted_at TEXT,
          lifted_by TEXT,
          lift_proposal TEXT
        )`,
        "CREATE INDEX freezes_target ON freezes (scope, target)",
        // Each principal's inbox: what waits on them or concerns them. Rows are fanned out to every
        // recipient when the event commits, so a reader needs no knowledge of who was meant.
        `CREATE TABLE notifications (
          id ${serial},
          recipient_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          subject TEXT NOT NULL,
          message TEXT NOT NULL,
          created_at TEXT NOT NULL,
          read_at TEXT
        )`,
        "CREATE INDEX notifications_recipient ON notifications (recipient_id, id)",
        `CREATE TABLE webhooks (
          id TEXT PRIMARY KEY,
          principal_id TEXT NOT NULL REFERENCES principals (id),
          url TEXT NOT NULL,
          secret TEXT NOT NULL,
          kinds TEXT NOT NULL,
          created_at TEXT NOT NULL,
          removed_at TEXT
        )`,
        "CREATE INDEX webhooks_principal ON webhooks (principal_id)",
        `CREATE TABLE webhook_deliveries (
          id ${serial},
          webhook_id TEXT NOT NULL REFERENCES webhooks (id),
          notification_id BIGINT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at TEXT NOT NULL,
          last_status INTEGER,
          last_error TEXT,
          created_at TEXT NOT NULL,
          delivered_at TEXT
        )`,
        "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
        "CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)",
        // Risk alerts raised by rules over the log. `key` deduplicates: one open alert per rule and
        // subject at a time. `entries` lists the audit positions behind it.
        `CREATE TABLE alerts (
          id TEXT PRIMARY KEY,
          rule TEXT NOT NULL,
          key TEXT NOT NULL,
          operator_id TEXT,
          subject TEXT NOT NULL,
          summary TEXT NOT NULL,
          entries TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
          raised_at TEXT NOT NULL,
          closed_at TEXT,
          closed_by TEXT,
          resolution TEXT
        )`,
        "CREATE INDEX alerts_status ON alerts (status, raised_at)",
        "CREATE UNIQUE INDEX alerts_open_key ON alerts (rule, key) WHERE status = 'open'",
        // How far each rule over the log has read, so that every entry is judged once.
        `CREATE TABLE alert_cursor (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          position BIGINT NOT NULL
        )`,
        "INSERT INTO alert_cursor (id, position) VALUES (1, -1)",
      ];
    },
  },
  {
    version: 3,
    name: "governance II: operator credit and evaluation, data quality, settlement statements, registries",
    // Each section's owner adds its tables (a `serial` id as in migration 2 where one is needed).
    statements: (dialect): string[] => {
      return [
        // -- operator credit and evaluation (control/credit.ts) --
        // Each violation on an operator's credit record. `origin` names what a system violation came
        // from (`alert:<id>`, `gate:<job>`), so each is recorded once; officers' findings have none.
        // Whether it still counts (not repaired) is computed from the times, never stored.
        `CREATE TABLE credit_violations (
          id TEXT PRIMARY KEY,
          operator_id TEXT NOT NULL REFERENCES principals (id),
          kind TEXT NOT NULL CHECK (kind IN ('policy_refusals', 'budget_exhaustion', 'release_gate_flag', 'differencing', 'officer_finding')),
          severity TEXT NOT NULL CHECK (severity IN ('minor', 'major', 'severe')),
          points INTEGER NOT NULL CHECK (points > 0),
          source TEXT NOT NULL,
          origin TEXT,
          summary TEXT NOT NULL,
          evidence TEXT NOT NULL,
          recorded_at TEXT NOT NULL,
          penalty TEXT NOT NULL CHECK (penalty IN ('none', 'warning', 'quota_cut', 'suspension')),
          status TEXT NOT NULL CHECK (status IN ('standing', 'annulled')),
          objection TEXT,
          objected_at TEXT,
          decision TEXT CHECK (decision IN ('upheld', 'dismissed')),
          decision_reason TEXT,
          decided_by TEXT,
          decided_at TEXT
        )`,
        "CREATE INDEX credit_violations_operator ON credit_violations (operator_id, recorded_at)",
        "CREATE UNIQUE INDEX credit_violations_origin ON credit_violations (origin) WHERE origin IS NOT NULL",
        // The penalty in force on each operator and what applying it changed (each license's quotas
        // before and after a cut, the licenses a suspension suspended), so lifting it undoes exactly that.
        `CREATE TABLE credit_penalties (
          operator_id TEXT PRIMARY KEY REFERENCES principals (id),
          level TEXT NOT NULL CHECK (level IN ('none', 'warning', 'quota_cut', 'suspension')),
          quota_cuts TEXT NOT NULL,
          suspended_licenses TEXT NOT NULL,
          changed_at TEXT NOT NULL
        )`,
        // -- data quality (control/data-quality.ts) --
        // Quality issues operators report on a dataset (or one column): what is wrong and, optionally,
        // an example query (text only, checked by the query gate, never run here). The row holds the
        // current state; quality_issue_steps keeps every step in order.
        `CREATE TABLE quality_issues (
          id TEXT PRIMARY KEY,
          dataset TEXT NOT NULL,
          column_name TEXT,
          category TEXT NOT NULL CHECK (category IN ('missing_values', 'wrong_values', 'stale', 'inconsistent', 'other')),
          summary TEXT NOT NULL,
          example_query TEXT,
          reporter_id TEXT NOT NULL,
          license_id TEXT NOT NULL,
          reported_version INTEGER,
          status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected', 'resolved', 'closed')),
          answer_reason TEXT,
          fix_version INTEGER,
          reopened INTEGER NOT NULL DEFAULT 0 CHECK (reopened IN (0, 1)),
          reported_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          resolved_at TEXT
        )`,
        "CREATE INDEX quality_issues_dataset ON quality_issues (dataset, status)",
        "CREATE INDEX quality_issues_reporter ON quality_issues (reporter_id, reported_at)",
        `CREATE TABLE quality_issue_steps (
          issue_id TEXT NOT NULL REFERENCES quality_issues (id),
          seq INTEGER NOT NULL,
          step TEXT NOT NULL CHECK (step IN ('reported', 'accepted', 'rejected', 'resolved', 'confirmed', 'reopened')),
          actor_id TEXT NOT NULL,
          reason TEXT,
          data_version INTEGER,
          at TEXT NOT NULL,
          PRIMARY KEY (issue_id, seq)
        )`,
        // Share of non-NULL values per column of one data version, computed once per version (a
        // version's data never changes): aggregate catalog metadata, like the row count.
        `CREATE TABLE data_completeness (
          dataset TEXT NOT NULL,
          version INTEGER NOT NULL,
          column_name TEXT NOT NULL,
          row_count BIGINT NOT NULL,
          non_null BIGINT NOT NULL,
          computed_at TEXT NOT NULL,
          PRIMARY KEY (dataset, version, column_name)
        )`,
        // -- settlement statements (control/settlement.ts) --
        // A signed monthly statement of one party (an operator: what it owes; a holder department:
        // what its data earned). `body` is the canonical JSON that `sha256` hashes and `signature`
        // (Ed25519, domain key, base64url) signs; one statement per month and party.
        `CREATE TABLE statements (
          id TEXT PRIMARY KEY,
          period TEXT NOT NULL CHECK (length(period) = 7),
          party_kind TEXT NOT NULL CHECK (party_kind IN ('operator', 'holder')),
          party_id TEXT NOT NULL,
          body TEXT NOT NULL,
          sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
          signature TEXT NOT NULL,
          charge_fen BIGINT NOT NULL,
          issued_by TEXT NOT NULL,
          issued_at TEXT NOT NULL,
          UNIQUE (period, party_kind, party_id)
        )`,
        "CREATE INDEX statements_party ON statements (party_kind, party_id, period)",
        // -- registries: data products and data-asset registrations (control/registries.ts) --
        // Data-asset registrations (数据资产登记): one row per revision, never updated. Each row is the
        // whole record as of that change (rights and version hashes as JSON arrays).
        `CREATE TABLE asset_registrations (
          dataset TEXT NOT NULL,
          revision INTEGER NOT NULL,
          change TEXT NOT NULL CHECK (change IN ('registered', 'amended', 'version_added')),
          holder_department TEXT NOT NULL,
          rights TEXT NOT NULL,
          grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
          version_hashes TEXT NOT NULL,
          note TEXT,
          recorded_by TEXT NOT NULL,
          recorded_at TEXT NOT NULL,
          PRIMARY KEY (dataset, revision)
        )`,
        // Data products (数据产品): a named, versioned, released job's outputs with terms and a price.
        `CREATE TABLE data_products (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          job_id TEXT NOT NULL,
          script_sha256 TEXT NOT NULL,
          datasets TEXT NOT NULL,
          outputs TEXT NOT NULL,
          terms TEXT NOT NULL,
          price_fen BIGINT NOT NULL CHECK (price_fen >= 0),
          status TEXT NOT NULL CHECK (status IN ('listed', 'delisted')),
          created_by TEXT NOT NULL,
          created_at TEXT NOT NULL,
          status_changed_at TEXT,
          UNIQUE (name, version)
        )`,
        `CREATE TABLE product_subscriptions (
          product_id TEXT NOT NULL REFERENCES data_products (id),
          operator_id TEXT NOT NULL,
          license_id TEXT NOT NULL,
          product_version INTEGER NOT NULL,
          subscribed_at TEXT NOT NULL,
          PRIMARY KEY (product_id, operator_id)
        )`,
        // -- console sessions (control/sessions.ts) --
        // A browser's sign-in, opened with an API key. Only SHA-256 digests of the session token
        // (the cookie) and of its CSRF token are kept, so a leaked table opens no session.
        // `key_prefix` names the key that opened it: revoking that key ends the session.
        `CREATE TABLE console_sessions (
          id TEXT PRIMARY KEY,
          token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
          csrf_hash TEXT NOT NULL CHECK (length(csrf_hash) = 64),
          principal_id TEXT NOT NULL REFERENCES principals (id),
          key_prefix TEXT NOT NULL,
          created_at TEXT NOT NULL,
          last_seen_at TEXT NOT NULL,
          expires_at TEXT NOT NULL,
          revoked_at TEXT
        )`,
        "CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)",
        // -- open data (control/open-data.ts) --
        // Each page of a grade-1 dataset read without a key: the meter of open use. `client` is a
        // digest of the reader's address (the audit entry holds the address itself).
        `CREATE TABLE open_data_reads (
          id ${dialect === "postgres" ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"},
          dataset TEXT NOT NULL,
          version INTEGER NOT NULL,
          rows INTEGER NOT NULL,
          client TEXT NOT NULL,
          read_at TEXT NOT NULL
        )`,
        "CREATE INDEX open_data_reads_time ON open_data_reads (read_at, dataset)",
      ];
    },
  },
  {
    version: 4,
    name: "single sign-on: console sessions opened through an OpenID provider, identities linked to principals",
    statements: (): string[] => [
      // Sessions live hours at most: rebuilding the table (to let a session be opened by an
      // identity instead of a key) signs every console out once, and loses nothing else.
      "DROP TABLE console_sessions",
      // A browser's sign-in, opened with an API key (`key_prefix`: revoking that key ends the
      // session) or through the OpenID provider (`identity_issuer`, `identity_subject`: the person
      // the provider vouched for). Only SHA-256 digests of the session token (the cookie) and of
      // its CSRF token are kept, so a leaked table opens no session.
      `CREATE TABLE console_sessions (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
        csrf_hash TEXT NOT NULL CHECK (length(csrf_hash) = 64),
        principal_id TEXT NOT NULL REFERENCES principals (id),
        key_prefix TEXT,
        identity_issuer TEXT,
        identity_subject TEXT,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT,
        CHECK ((key_prefix IS NULL) <> (identity_subject IS NULL))
      )`,
      "CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)",
      // The bureau, auditor and holder principals created for people the OpenID provider vouched
      // for: the same person (issuer and subject) always signs in as the same principal, so a
      // suspension holds and two-officer rules count people. Operators are never linked here.
      `CREATE TABLE principal_identities (
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        principal_id TEXT NOT NULL UNIQUE REFERENCES principals (id),
        linked_at TEXT NOT NULL,
        PRIMARY KEY (issuer, subject)
      )`,
      // A sign-in started at the provider and not yet back: the browser holds a random handle (a
      // cookie) whose digest names the row; state, nonce and PKCE verifier never leave the store.
      // Each row is used once (deleted when the browser returns) and expires after minutes.
      `CREATE TABLE sign_on_attempts (
        handle_hash TEXT PRIMARY KEY CHECK (length(handle_hash) = 64),
        state TEXT NOT NULL,
        nonce TEXT NOT NULL,
        code_verifier TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      )`,
      "CREATE INDEX sign_on_attempts_expiry ON sign_on_attempts (expires_at)",
    ],
  },
  {
    version: 5,
    name: "API keys bound to a client certificate's key (mutual TLS)",
    statements: (): string[] => [
      // The SHA-256 (lowercase hex) of the SubjectPublicKeyInfo of the client certificate a key is
      // bound to; NULL for a key any connection may present. The public key rather than the whole
      // certificate, so that a renewal keeping the key pair keeps the binding.
      "ALTER TABLE api_keys ADD COLUMN client_key_sha256 TEXT",
    ],
  },
  {
    version: 6,
    name: "settlement statements hashed under the domain's crypto profile (SHA-256 or SM3)",
    statements: (): string[] => [
      // A statement's digest is SHA-256 or, in a domain of the `sm` profile, SM3: the column says
      // which. Statements issued before keep SHA-256, which their bodies' job digests use too.
      "ALTER TABLE statements RENAME COLUMN sha256 TO digest",
      `ALTER TABLE statements ADD COLUMN digest_algorithm TEXT NOT NULL DEFAULT 'sha256'
        CHECK (digest_algorithm IN ('sha256', 'sm3'))`,
    ],
  },
];

/** The newest schema version this code writes. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

interface Migratable {
  readonly dialect: SqlDialect;
  readonly location: string;
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** Brings the store's schema to `SCHEMA_VERSION`; refuses a store written by newer code. */
export async function applyMigrations(store: Migratable, migrations = MIGRATIONS): Promise<void> {
  await store.transaction(async (tx) => {
    // A lock number of our own: nodes starting together migrate one after the other.
    await sqlDialect.turn(tx, "migration");
    await tx.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const rows = await tx.query<{ version: number | null }>(
      "SELECT max(version) AS version FROM schema_migrations",
    );
    const current = rows[0]?.version ?? 0;
    const newest = Math.max(...migrations.map((m) => m.version));
    if (current > newest) {
      throw new Error(
        `the control plane at ${store.location} has schema version ${current}, newer than this release's ${newest}: run the newer release`,
      );
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      for (const statement of migration.statements(tx.dialect)) await tx.run(statement);
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
    }
  });
}

/** The schema version a store is at. */
export async function schemaVersion(store: Pick<SqlExecutor, "query">): Promise<number> {
  const rows = await store.query<{ version: number | null }>(
    "SELECT max(version) AS version FROM schema_migrations",
  );
  return rows[0]?.version ?? 0;
}
