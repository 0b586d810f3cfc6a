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
];
