// Generated from the gateway's /openapi.json by `npm run gen:client` (openapi-typescript): do not edit.
// client/types.ts names the shapes the client uses; test/client/schema.test.ts keeps this file current.

export interface paths {
  "/healthz": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness: the process is up and serving HTTP. */
    get: operations["getLiveness"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/readyz": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: the data domain and control plane answer, and the gateway is not draining. Lists the bureau's live freezes; a freeze (even domain-wide) leaves the node ready (200), with `frozen: true` when the whole domain is frozen. */
    get: operations["getReadiness"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/session": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The console session of the cookie: who is signed in, its CSRF token and its expiries. */
    get: operations["getSession"];
    put?: never;
    /** Sign the console in: exchange an API key for a session cookie (HttpOnly, SameSite=Strict, Secure under TLS). The key is not kept in the browser. */
    post: operations["signIn"];
    /** Sign out: ends the session of the cookie (needs its CSRF token) and clears the cookie. */
    delete: operations["signOut"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/session/sign-on": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Whether the console can sign in through the domain's OpenID provider, and its name. */
    get: operations["getSignOnProvider"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The bureau's catalog: every dataset with its grade and holder. */
    get: operations["listDatasets"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One dataset's manifest: schema, column rules, bounds and policy version. */
    get: operations["getDataset"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/versions": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The data versions of a dataset with who supplied them, their rows and SHA-256, and which is current (bureau, auditors, the dataset's holders), oldest first, a page at a time. */
    get: operations["listDataVersions"];
    put?: never;
    /** Supply a new data version of a dataset (bureau, or the dataset's holder): the body is the file, Parquet or CSV with a header row, streamed; checked against the manifest (same columns, values convertible to the declared types), stored, hashed, logged and made current for new jobs. A refused file changes nothing and the answer says what is wrong. */
    post: operations["supplyDataVersion"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/versions/{version}/restore": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Make an earlier data version current again (bureau, or the dataset's holder). New jobs read it; running jobs keep the version they started on; nothing is deleted. */
    post: operations["restoreDataVersion"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/dummy/draft": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Draft each column's dummy shape from the data, for the bureau to review and propose (bureau).
     * @description Answers the latest policy version's manifest with a drafted `dummy` section per column: null rates rounded to the percent; categories only for `group`/`plain` columns and only those held by at least k units; numeric ranges from the 1st to the 99th percentile rounded outwards to two significant figures; the most common character pattern of text columns. Identifier, `deny` and `join` columns get a null rate only, grade 4 datasets null rates and patterns only. Nothing changes: publish the manifest (`PUT /v1/datasets/{name}/policy`), which a second officer approves since dummy shapes loosen.
     */
    get: operations["draftDummyShapes"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/dummy": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Synthetic rows generated from the dataset's manifest only, as JSON or CSV by the Accept header.
     * @description Types, declared values, bounds and date ranges, each column's bureau-approved dummy shape (categories, range, pattern, null rate, distribution), and valid identifier formats that can never be real (division code 990000). Never derived from the domain's rows, so any role may fetch them. The same `seed` gives the same rows.
     */
    get: operations["getDummyRows"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/bounds/draft": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Draft each bounded numeric column's upper clamp bound from the data, with differential privacy (bureau).
     * @description Answers the latest policy version's manifest with each numeric `aggregate` column's upper bound drafted as the smallest round number (1, 2, 5 × 10ⁿ) that clamps away at most `maxClampedShare` of the column's total, estimated from a histogram with ε-DP noise (`epsilon` per bound, default 0.2, at most 1). Where a unit has several rows, the cap on them (`maxContributionsPerUnit`) is drafted first, the same way, from a histogram of the units' numbers of rows (rows beyond the cap are what biases counts, sums and means low; the cap scales their noise), and `bounds.unitMax` (the most one unit's values add up to in a group) from the units' totals: a release each. A tighter bound makes every noisy sum and mean of the column more precise; the share it clamps is the bias it adds. The same data and parameters give the same draft. Nothing changes: publish the manifest (`PUT /v1/datasets/{name}/policy`). Recorded in the audit log with the ε spent.
     */
    get: operations["draftCalibratedBounds"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/jobs/explain": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Dry-run a script on dummy data: each query's rewritten SQL, rules and ε, and the release verdict.
     * @description Checks the operator and the license as a submission would (active, in its window, purpose, freezes), then runs the script in a sandbox worker against dummy data generated from the license's datasets, under the license's terms. Answers each query's verdict (allowed, or refused with its code), the SQL the engine runs in its place, the rules of the columns it uses and the ε it would charge the license now, then whether the outputs would be released or held for review. No job is created and no budget is spent: the license's budget is only read. The outputs shown are computed from dummy data. One dry run per operator at a time.
     */
    post: operations["explainJob"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/jobs": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Jobs, newest first, a page at a time: an operator's own, or every job for the bureau. */
    get: operations["listJobs"];
    put?: never;
    /**
     * Submit a script to run under a license.
     * @description Validates the body, checks the operator and the license (active, in its window, purpose, quotas) and queues the job durably. Send an `Idempotency-Key` header to make retries safe: the same key and body return the first job.
     */
    post: operations["submitJob"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/jobs/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A job; with `wait=S`, waits up to S seconds for it to settle (long poll). */
    get: operations["getJob"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/jobs/{id}/cancel": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel a queued or running job. */
    post: operations["cancelJob"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/jobs/{id}/outputs/{name}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A released output as JSON, CSV or an Arrow IPC stream, by the Accept header. */
    get: operations["getJobOutput"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/jobs/{id}/receipt": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A released job's receipt, signed by the domain key: for its operator, the bureau and auditors.
     * @description The receipt names the job, operator, license, purpose, policy versions, each output's SHA-256 (of its JSON and of its CSV) and the log position of the release; it carries no output values. Verify it offline with the domain's public key (`aos receipt verify`).
     */
    get: operations["getJobReceipt"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/jobs/{id}/events": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Server-sent events of a job: queued, running, progress, each query's verdict, the gate decision, the final state. */
    get: operations["streamJobEvents"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/reviews": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The review queue: held jobs with their gate reasons, outputs and the reviews they have, oldest first, a page at a time. */
    get: operations["listReviews"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/reviews/{jobId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Approve or reject a held job, with a comment. Grade 4 outputs need two distinct reviewers. */
    post: operations["reviewJob"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/operators/{id}/credit": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** An operator's credit record: score, the penalty the rules give it and the one in force, every violation with its evidence, objection and decision (bureau, auditors; an operator its own, another's answers 404). Rules: docs/credit.md. */
    get: operations["getOperatorCredit"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/operators/{id}/violations": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Record a violation with evidence (bureau): what was found and at least one of the operator's jobs or audit entries about it. The penalty follows the new score at once. */
    post: operations["recordViolation"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/violations/{id}/objection": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Object to one of your violations, once, with a reason (operator); a bureau officer other than its recorder decides. Another operator's violation answers 404. */
    post: operations["objectToViolation"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/violations/{id}/decision": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Decide an objection (bureau, not the officer who recorded the violation): `upheld` annuls the violation and the penalty follows the score back, `dismissed` keeps it; with a reason. */
    post: operations["decideObjection"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/operators/{id}/evaluation": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** An operator's evaluation for the period [from, to): jobs and what became of them, review decisions, outputs released and held, violations by kind, complaints, objections, ε used against grants, quality issues reported (bureau, auditors; an operator its own). Computed on request. */
    get: operations["getOperatorEvaluation"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/operators/{id}/exit": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Exit an operator (bureau, with a reason): revokes its keys and licenses, marks it revoked, settles its open period (the month so far) as the usage report prices it, and records all in the `operator.exited` entry. Every record is kept. */
    post: operations["exitOperator"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/operators": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every operator with its qualification and status, oldest first, a page at a time. */
    get: operations["listOperators"];
    put?: never;
    /** Admit an operator with its qualification; answers its first API key, once. */
    post: operations["registerOperator"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/operators/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One operator. */
    get: operations["getOperator"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/operators/{id}/{action}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Suspend, reinstate or revoke an operator, with a reason. Suspension stops its keys and licenses at once; revocation is final and also revokes its keys and licenses. */
    post: operations["changeOperatorStatus"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/principals": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Create a bureau officer's, auditor's or holder department member's account with its first key (shown once). A holder's organization is its department exactly as the datasets' policies name it. Operators are admitted at /v1/operators. */
    post: operations["createPrincipal"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/keys": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller's own keys by prefix, active and revoked, oldest first, a page at a time. */
    get: operations["listOwnKeys"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/whoami": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Who the key (or console session) belongs to: the principal's id, role, name, organization and status. `aos login` checks a key with it before keeping it. */
    get: operations["getCaller"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/principals/{id}/keys": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Any principal's keys by prefix, oldest first, a page at a time. */
    get: operations["listPrincipalKeys"];
    put?: never;
    /** Issue another key for an active principal (shown once), e.g. to rotate keys; optionally bound to a client certificate from the start. */
    post: operations["issueKey"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/keys/{prefix}/binding": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Bind a key to a client certificate (mutual TLS): from then on it is accepted only on connections presenting a certificate with that public key, verified by the node's TLS_CLIENT_CA_FILE (on the node's own TLS connection, or passed on by its trusted TLS-terminating proxy and verified again by the node). The bureau binds any key; others bind their own unbound keys only (changing a binding is the bureau's). */
    put: operations["bindKey"];
    post?: never;
    /** Remove a key's client-certificate binding (the bureau only): any connection may present it again. */
    delete: operations["unbindKey"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/keys/{prefix}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke a key by prefix; it stops authenticating at once. The bureau may revoke any key, others only their own. */
    delete: operations["revokeKey"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/licenses": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Licenses with their privacy budget left, newest first, a page at a time. An operator sees its own; the bureau and auditors see all (filterable). */
    get: operations["listLicenses"];
    put?: never;
    /** Grant a license directly to an active operator for one of its approved purposes, on grade 1–2 data only. Grade 3/4 data answers 403: it is licensed through an application (POST /v1/applications). */
    post: operations["grantLicense"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/licenses/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One license with its budget left. Another operator's license answers 404. */
    get: operations["getLicense"];
    /** Amend a license: a new document under the same id and operator; before and after are audited. On grade 3/4 data only tightening applies here; a loosening answers 403 (amend the application instead). */
    put: operations["amendLicense"];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/licenses/{id}/{action}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Suspend, reinstate, revoke or expire a license with a reason. Jobs check the license at submission and again at start. */
    post: operations["changeLicenseStatus"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/applications": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Applications, newest first, a page at a time: an operator sees its own, a holder those touching its department's datasets, the bureau and auditors all. */
    get: operations["listApplications"];
    put?: never;
    /** Apply for a license (operator): datasets and columns, purpose (one of the operator's approved purposes), scenario, window, quotas, ε for grade 3/4 data. Checked like a license grant. */
    post: operations["submitApplication"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/applications/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One application with its decisions timeline (who decided what, when, under which policy versions). Another operator's, or one not touching a holder's datasets, answers 404. */
    get: operations["getApplication"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/applications/{id}/withdraw": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Withdraw a pending application (its operator). */
    post: operations["withdrawApplication"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/applications/{id}/amend": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Amend an application (its operator): a new application linked to the old, decided afresh. A pending one is superseded at once; an approved one's license changes when the amendment is approved. */
    post: operations["amendApplication"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/applications/{id}/consent": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Consent to or refuse (with a reason) the use of one grade 3/4 dataset your department holds (holder). One refusal refuses the application; the last consent passes it to the bureau. */
    post: operations["consentToApplication"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/applications/{id}/approval": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Approve or refuse (with a reason) an application whose holders all consented (bureau). Grade 4 data needs two distinct officers; the last approval grants the license exactly as applied for. */
    post: operations["decideApplication"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/policy": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Publish a dataset's manifest. A change that only tightens is in force at once as a new policy version (201). A loosening (or a new dataset's registration) is not applied: it becomes a proposal that a second bureau officer approves (202, see /v1/proposals). The table must exist with exactly the declared columns. Running jobs keep the version they started under. */
    put: operations["publishPolicy"];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/policy/versions": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The policy versions of a dataset with their author, time and note, oldest first, a page at a time. */
    get: operations["listPolicyVersions"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/policy/versions/{version}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One policy version with its manifest. */
    get: operations["getPolicyVersion"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/policy/versions/{version}/diff": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** What changed from version `against` to `version`: a structured list of changed fields, columns and rules. */
    get: operations["diffPolicyVersion"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tariffs": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tariff in force now (null before the bureau sets one) and the versions, newest first, a page at a time (a version approved for a later time is listed with its effectiveFrom). */
    get: operations["getTariffs"];
    /** Set a new tariff. One that only raises prices is in force from now (201). One that lowers any price or dataset multiplier is a proposal a second bureau officer approves (202, see /v1/proposals). Jobs are priced under the tariff in force at submission. */
    put: operations["setTariffs"];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/proposals": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Proposals, newest first, a page at a time (bureau and auditors), filterable by status and kind. */
    get: operations["listProposals"];
    put?: never;
    /** Propose a change for a second bureau officer to approve: a dataset's new manifest (`policy`), a new tariff (`tariff`) or lifting a freeze (`unfreeze`). The answer carries the readable diff against the latest version, each change marked tightens/neutral/loosens. */
    post: operations["createProposal"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/proposals/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One proposal with its document, its readable diff and its decision (bureau and auditors). */
    get: operations["getProposal"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/proposals/{id}/decision": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Approve or refuse a pending proposal (bureau). The proposer may not approve their own (403). Approval applies the change, in force from its effectiveAt; a proposal whose base version is no longer the latest is closed as superseded (409). */
    post: operations["decideProposal"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/proposals/{id}/withdraw": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Withdraw a pending proposal (its proposer only). */
    post: operations["withdrawProposal"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/freezes": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Freezes, newest first, a page at a time: all of them for the bureau and auditors; for an operator (or a holder) those that concern it. `live=true` lists those holding now. */
    get: operations["listFreezes"];
    put?: never;
    /** Emergency stop (bureau, one officer, at once): freeze the whole domain, a dataset, an operator or a license. New jobs touching it are refused with FROZEN (423), queued and running ones are stopped (cancelled, code FROZEN), releases are held. Lifting needs two officers (POST /v1/freezes/{id}/lift). */
    post: operations["imposeFreeze"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/freezes/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One freeze (404 for one that does not concern the caller). */
    get: operations["getFreeze"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/freezes/{id}/lift": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Ask for a freeze to be lifted (bureau): creates an `unfreeze` proposal that a second officer approves through POST /v1/proposals/{id}/decision. */
    post: operations["requestFreezeLift"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/audit": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Audit entries, oldest first, filtered by time, job, operator, license, dataset and type; page with `after`. */
    get: operations["listAuditEntries"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/audit/verify": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Verify the whole log: chain, hashes, order and checkpoint signatures; names the first bad position. */
    get: operations["verifyAuditLog"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/audit/public-key": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The domain's Ed25519 public key: verifies checkpoints and release receipts offline. */
    get: operations["getDomainPublicKey"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/audit/checkpoint": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Have the domain sign a checkpoint of the log now; keep it to detect later truncation or rewriting. */
    post: operations["createAuditCheckpoint"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/audit/export": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Export the log (or a filtered part) as JSON lines or CSV. A full JSON-lines export verifies offline. */
    get: operations["exportAuditLog"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/usage": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Metered use per period, operator, license, dataset and holder department, in whole numbers, priced under the tariffs and divided between datasets by contribution (rows scanned); an operator sees its own, a holder department the use of its datasets. `Accept: text/csv` exports. */
    get: operations["getUsage"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/statements": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Issued statements, newest month first, a page at a time: all for the bureau and auditors, an operator's own, a holder member's department's. `party` is an operator id or a department name. */
    get: operations["listStatements"];
    put?: never;
    /** Issue a party's signed monthly statement (bureau): an operator's (what it owes, per license × dataset) or a holder department's (what its data earned, per dataset × operator), recomputed from the jobs' recorded usage and the tariff versions. Only a month that has ended, with all its jobs finished, is settled. Issuing the same month again answers the same statement (200). */
    post: operations["issueStatement"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/statements/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One statement, by the Accept header: `application/json` (the signed document: body, digest (`sha256`, or `sm3` in a domain of the `sm` crypto profile), signature — what `aos statement verify` checks), `text/csv` (its lines and a total row) or `application/pdf` (printable, with its hash and signature). 404 for another party's. */
    get: operations["getStatement"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/statements/{id}/verify": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Verify an issued statement: its hash and signature against the domain key, its lines against its totals, and every figure against a recomputation from the jobs and tariffs (`differences` names each that differs). */
    post: operations["verifyStatement"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/inbox": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller's own notifications, newest first, a page at a time (`cursor` pages back; `before` is its deprecated alias); `after` catches up on newer ones; `unread=true` keeps the unread. */
    get: operations["listNotifications"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/inbox/read": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Mark the caller's unread notifications read: all, or those with an id up to `upTo`. */
    post: operations["markAllNotificationsRead"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/inbox/{id}/read": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Mark one of the caller's notifications read. Another principal's answers 404. */
    post: operations["markNotificationRead"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/inbox/events": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Server-sent events: each new notification of the caller as a `notification` event (id = notification id). Send `Last-Event-ID` (or `?after=`) to resume; pings keep the connection alive. */
    get: operations["streamNotifications"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/webhooks": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller's webhooks (never their secrets), oldest first, a page at a time. */
    get: operations["listWebhooks"];
    put?: never;
    /**
     * Register a webhook for the caller's notifications (all kinds, or those listed). The signing secret is answered once.
     * @description Deliveries are POSTed as JSON `{ id, kind, subject, message, createdAt }` with `x-aos-signature: sha256=HMAC-SHA256(secret, timestamp + "." + body)`, `x-aos-timestamp` and `x-aos-delivery`. The URL must be https (http only to loopback, when the server allows loopback); private, link-local and metadata addresses are refused.
     */
    post: operations["registerWebhook"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/webhooks/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Remove one of the caller's webhooks; its pending deliveries are abandoned. Another's answers 404. */
    delete: operations["removeWebhook"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/webhooks/{id}/deliveries": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The delivery log of one of the caller's webhooks, newest first, a page at a time: attempts, status, last HTTP status, next attempt. */
    get: operations["listWebhookDeliveries"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/alerts": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Risk alerts raised by rules over the log, newest first, a page at a time (bureau, auditors). */
    get: operations["listAlerts"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/alerts/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One alert with the audit entries behind it (bureau, auditors). */
    get: operations["getAlert"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/alerts/{id}/close": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Close an open alert with its resolution (bureau). The same pattern later raises a new alert. */
    post: operations["closeAlert"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/issues": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Quality issues of a dataset, newest first, a page at a time, each with its steps: all of them for the bureau, auditors and the holder department; an operator's own. */
    get: operations["listQualityIssues"];
    put?: never;
    /** Report a data quality issue on a dataset or one column (operator licensed on it). An example query is SQL text only — one SELECT over this dataset that your license admits, checked by the query gate, stored and never run. A report never carries rows: `rows`, `data` or any other field is refused. */
    post: operations["reportQualityIssue"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/datasets/{name}/quality": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A dataset's quality summary (every role): completeness per column (share of non-NULL values of the current data version), freshness (its supply time and age), and issues opened, open, resolved and rejected. */
    get: operations["getQualitySummary"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/quality-issues/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One quality issue with its steps (404 for one the caller may not read). */
    get: operations["getQualityIssue"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/quality-issues/{id}/answer": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** The dataset's holder department answers an open issue: accepted, or rejected with a reason. The reporter is told. */
    post: operations["answerQualityIssue"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/quality-issues/{id}/resolve": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** The holder department links the fix to a data version of the dataset supplied after the report: the issue is resolved and the reporter told. */
    post: operations["resolveQualityIssue"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/quality-issues/{id}/confirm": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** The reporter confirms a resolved (or rejected) issue: it is closed. */
    post: operations["confirmQualityIssue"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/quality-issues/{id}/reopen": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** The reporter reopens a resolved or rejected issue, once: it is open again and the holder department told. */
    post: operations["reopenQualityIssue"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/registrations": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The data-asset register: each registered dataset as it stands, by dataset name, a page at a time (any role). */
    get: operations["listRegistrations"];
    put?: never;
    /** Register a dataset as a data asset (bureau): holder department and grade from the policy in force, the rights given, and the SHA-256 of every data version. Each later change is a new revision; new data versions add their hash by themselves. */
    post: operations["registerDataAsset"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/registrations/{dataset}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One dataset's registration with its history, oldest revision first (any role). */
    get: operations["getRegistration"];
    put?: never;
    /** Amend a registration (bureau): a new revision with the rights given (or kept), holder and grade re-read from the policy in force, and a note saying why. */
    post: operations["amendRegistration"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/products": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Data products, newest first, a page at a time: all for the bureau and auditors; listed ones (and those it subscribes to) for others, with `subscribed` for an operator. */
    get: operations["listProducts"];
    put?: never;
    /** Create a data product (bureau) from a released job: its released outputs and its script's SHA-256, the datasets it read, terms and a price in fen. A product of an existing name is its next version. */
    post: operations["createProduct"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/products/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One data product. */
    get: operations["getProduct"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/products/{id}/delist": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Delist a product (bureau): no new subscriptions; existing subscribers keep reading it. */
    post: operations["delistProduct"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/products/{id}/subscribe": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Subscribe to a listed product (operator holding an active license naming every dataset the product read). Records the operator, product version, license and time. */
    post: operations["subscribeToProduct"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/products/{id}/outputs/{name}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A released output of a product, for its subscribers, as JSON, CSV or an Arrow IPC stream by the Accept header (the same formats as a job's outputs). Non-subscribers are refused (403). */
    get: operations["getProductOutput"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/public/datasets": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Open data: the grade-1 datasets anyone may read without a key or license, with the columns served (columns the bureau tightened are listed as withheld). */
    get: operations["listOpenDatasets"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/public/datasets/{name}/rows": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One page of an open dataset's rows (at most 10000), in storage order; pass `next` as `cursor` for the following page. A cursor keeps reading the data version it started on. `Accept: text/csv` for CSV (then the `x-next-cursor` header holds the next page's cursor and `x-row-count` the rows in this one). Grade 2–4 datasets answer 403: they are analysed through licensed jobs. */
    get: operations["getOpenDatasetRows"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/public/licenses": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The public register of licenses (授权公示): every license granted, with the operator's organisation, purpose, datasets, window and status, newest first, a page at a time. */
    get: operations["listRegisteredLicenses"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/public/usage": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Monthly usage statistics per dataset: jobs that read it, operators, open-data pages and rows served. Counts of uses only; nothing about a data subject. */
    get: operations["getPublicUsage"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Health: {
      /** @enum {string} */
      status: "ok";
    };
    Readiness: {
      /** @enum {string} */
      status: "ready" | "not_ready";
      checks: {
        [key: string]: "ok" | "failing";
      };
      freezes?:
        | {
            id: string;
            /** @enum {string} */
            scope: "domain" | "dataset" | "operator" | "license";
            target: string | null;
            /** Format: date-time */
            since: string;
          }[]
        | null;
      frozen?: boolean;
      problems?: string[];
      containment?: components["schemas"]["WorkerContainment"];
      atRest?: components["schemas"]["AtRestEncryption"];
      clientCertificates?: components["schemas"]["ClientCertificateMode"];
    };
    WorkerContainment: {
      /** @enum {string} */
      mode: "strict" | "best-effort" | "off";
      layers: {
        [key: string]: boolean;
      };
      missing: string[];
    };
    AtRestEncryption: {
      /** @enum {string} */
      encryption: "on" | "off";
      kek?: string;
      source?: string;
      warning?: string;
    };
    ClientCertificateMode: {
      /** @enum {string} */
      mode: "off" | "direct" | "forwarded" | "direct-and-forwarded";
      /** @enum {string} */
      required: "none" | "operators" | "all";
      revocation: boolean;
      crlsValidUntil?: string;
    };
    ConsoleSession: {
      principal: {
        id: string;
        /** @enum {string} */
        role: "operator" | "bureau" | "auditor" | "holder";
        name: string;
        organization: string;
      };
      /** @description Send it in the `x-csrf-token` header of every POST, PUT, PATCH and DELETE made with the session cookie. */
      csrfToken: string;
      /**
       * Format: date-time
       * @description When the session ends if it is not used before.
       */
      idleExpiresAt: string;
      /**
       * Format: date-time
       * @description When the session ends however much it is used.
       */
      expiresAt: string;
    };
    Problem: {
      /** @example urn:problem:UNAUTHENTICATED */
      type: string;
      title: string;
      status: number;
      detail: string;
      /** @enum {string} */
      code:
        | "BAD_REQUEST"
        | "UNAUTHENTICATED"
        | "FORBIDDEN"
        | "NOT_FOUND"
        | "CONFLICT"
        | "PAYLOAD_TOO_LARGE"
        | "RATE_LIMITED"
        | "LICENSE_INVALID"
        | "LICENSE_EXPIRED"
        | "QUOTA_EXCEEDED"
        | "BUDGET_EXHAUSTED"
        | "SQL_NOT_ALLOWED"
        | "QUERY_FAILED"
        | "POLICY_VIOLATION"
        | "OUTPUT_REJECTED"
        | "TIMEOUT"
        | "MEMORY_LIMIT"
        | "LIMIT_EXCEEDED"
        | "SCRIPT_ERROR"
        | "SANDBOX_CRASH"
        | "CANCELLED"
        | "QUEUE_FULL"
        | "FROZEN"
        | "NOT_READY"
        | "INTERNAL"
        | "METHOD_NOT_ALLOWED"
        | "UNSUPPORTED_MEDIA_TYPE"
        | "URI_TOO_LONG"
        | "HEADERS_TOO_LARGE";
      requestId: string;
    };
    SignIn: {
      /**
       * @description An API key issued by the bureau.
       * @example aos_0123456789ab_…
       */
      key: string;
    };
    SignedOut: {
      /** @enum {boolean} */
      signedOut: true;
    };
    SignOnProvider: {
      /** @description Null when this domain signs in by API key only. */
      provider: {
        /** @description The provider's name, for the sign-in button. */
        name: string;
        /**
         * @description Where the browser goes to sign in.
         * @example /v1/session/sign-on/start
         */
        startUrl: string;
      } | null;
    };
    DatasetList: {
      datasets: components["schemas"]["DatasetSummary"][];
    };
    DatasetSummary: {
      name: string;
      title: string;
      description: string;
      holder: {
        department: string;
      };
      grade: 1 | 2 | 3 | 4;
      /** @enum {string} */
      updateFrequency: "realtime" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";
      policyVersion: number;
      columns: number;
      openQualityIssues: number;
    };
    DatasetDetail: {
      manifest: {
        name: string;
        title: string;
        description: string;
        holder: {
          department: string;
          contact?: string;
        };
        grade: 1 | 2 | 3 | 4;
        /** @enum {string} */
        updateFrequency: "realtime" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";
        privacyUnit: string | null;
        maxContributionsPerUnit?: number;
        minGroupSize?: number;
        coverage?: {
          /** Format: date */
          from: string;
          /** Format: date */
          to: string;
        };
        dominance?: {
          n: number;
          k: number;
          p?: number;
        };
        columns: {
          name: string;
          type:
            | ("BOOLEAN" | "SMALLINT" | "INTEGER" | "BIGINT" | "DOUBLE" | "DATE" | "TIMESTAMP" | "VARCHAR")
            | string;
          meaning: string;
          /** @enum {string} */
          rule: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
          unit?: string;
          /** @enum {string} */
          identifier?:
            | "resident_id"
            | "uscc"
            | "person_name"
            | "organization_name"
            | "phone"
            | "bank_card"
            | "record_id";
          values?: string[];
          bounds?: {
            min: number;
            max: number;
            unitMax?: number;
          };
          dateRange?: {
            /** Format: date */
            from: string;
            /** Format: date */
            to: string;
          };
          dummy?: {
            values?: string[];
            range?: {
              min: number;
              max: number;
            };
            pattern?: string;
            nullRate?: number;
            /** @enum {string} */
            distribution?: "uniform" | "skewed";
          };
        }[];
      };
      policyVersion: number;
      /** Format: date-time */
      effectiveFrom: string;
      rows: number | null;
    };
    /**
     * @example {
     *       "dataset": "air_quality",
     *       "version": 2,
     *       "format": "csv",
     *       "sha256": "4f1c9e0b7d2a5c8e1f3b6a9d0c2e5f8a1b4d7c0e3f6a9b2c5d8e1f4a7b0c3d6e",
     *       "fileSha256": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
     *       "rows": 105120,
     *       "bytes": 5242880,
     *       "suppliedBy": "pri_3c1e…",
     *       "suppliedAt": "2026-12-05T08:00:00.000Z",
     *       "note": "2026 readings, stations re-calibrated",
     *       "current": true
     *     }
     */
    DataVersion: {
      dataset: string;
      version: number;
      /** @enum {string} */
      format: "parquet" | "csv" | "duckdb";
      sha256: string;
      fileSha256: string;
      rows: number;
      bytes: number;
      suppliedBy: string;
      /** Format: date-time */
      suppliedAt: string;
      note: string | null;
      current: boolean;
    };
    DataVersionList: {
      dataset: string;
      current: number | null;
      versions: components["schemas"]["DataVersion"][];
      next: components["schemas"]["NextCursor"];
    };
    /**
     * @description Opaque cursor of the next page: pass it as `cursor` to read on; null on the last page. Pages are in a stable order, so items added while paging never repeat or shift a page.
     * @example eyJsIjoiam9icyIsImsiOlsiMjAyNi0xMi0wNVQxMDowMDowMFoiLCJqb2JfMSJdfQ
     */
    NextCursor: string | null;
    /**
     * @example {
     *       "note": "version 2 has a station offset; back to 1"
     *     }
     */
    DataVersionRestore: {
      note?: string;
    };
    DummyDraft: {
      dataset: string;
      basedOnVersion: number;
      manifest: {
        name: string;
        title: string;
        description: string;
        holder: {
          department: string;
          contact?: string;
        };
        grade: 1 | 2 | 3 | 4;
        /** @enum {string} */
        updateFrequency: "realtime" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";
        privacyUnit: string | null;
        maxContributionsPerUnit?: number;
        minGroupSize?: number;
        coverage?: {
          /** Format: date */
          from: string;
          /** Format: date */
          to: string;
        };
        dominance?: {
          n: number;
          k: number;
          p?: number;
        };
        columns: {
          name: string;
          type:
            | ("BOOLEAN" | "SMALLINT" | "INTEGER" | "BIGINT" | "DOUBLE" | "DATE" | "TIMESTAMP" | "VARCHAR")
            | string;
          meaning: string;
          /** @enum {string} */
          rule: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
          unit?: string;
          /** @enum {string} */
          identifier?:
            | "resident_id"
            | "uscc"
            | "person_name"
            | "organization_name"
            | "phone"
            | "bank_card"
            | "record_id";
          values?: string[];
          bounds?: {
            min: number;
            max: number;
            unitMax?: number;
          };
          dateRange?: {
            /** Format: date */
            from: string;
            /** Format: date */
            to: string;
          };
          dummy?: {
            values?: string[];
            range?: {
              min: number;
              max: number;
            };
            pattern?: string;
            nullRate?: number;
            /** @enum {string} */
            distribution?: "uniform" | "skewed";
          };
        }[];
      };
      notes: string[];
    };
    DummyRows: {
      [key: string]: string | number | boolean | null;
    }[];
    BoundsDraft: {
      dataset: string;
      basedOnVersion: number;
      epsilon: number;
      maxClampedShare: number;
      /** @description The cap on the rows one unit adds (`maxContributionsPerUnit`), drafted first where units have several rows (null otherwise): the smallest cap that leaves out at most `maxClampedShare` of the rows, raised above the declared one only when the data show the declared one leaves out more. */
      contributionCap: {
        declared: number;
        drafted: number;
        clampedShare: number;
        kept: string | null;
      } | null;
      columns: {
        column: string;
        declared: {
          min: number;
          max: number;
          unitMax?: number;
        };
        drafted: {
          min: number;
          max: number;
          unitMax?: number;
        };
        clampedShare: number;
        kept: string | null;
        unitTotal: {
          clampedShare: number;
          kept: string | null;
        } | null;
      }[];
      manifest: {
        name: string;
        title: string;
        description: string;
        holder: {
          department: string;
          contact?: string;
        };
        grade: 1 | 2 | 3 | 4;
        /** @enum {string} */
        updateFrequency: "realtime" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";
        privacyUnit: string | null;
        maxContributionsPerUnit?: number;
        minGroupSize?: number;
        coverage?: {
          /** Format: date */
          from: string;
          /** Format: date */
          to: string;
        };
        dominance?: {
          n: number;
          k: number;
          p?: number;
        };
        columns: {
          name: string;
          type:
            | ("BOOLEAN" | "SMALLINT" | "INTEGER" | "BIGINT" | "DOUBLE" | "DATE" | "TIMESTAMP" | "VARCHAR")
            | string;
          meaning: string;
          /** @enum {string} */
          rule: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
          unit?: string;
          /** @enum {string} */
          identifier?:
            | "resident_id"
            | "uscc"
            | "person_name"
            | "organization_name"
            | "phone"
            | "bank_card"
            | "record_id";
          values?: string[];
          bounds?: {
            min: number;
            max: number;
            unitMax?: number;
          };
          dateRange?: {
            /** Format: date */
            from: string;
            /** Format: date */
            to: string;
          };
          dummy?: {
            values?: string[];
            range?: {
              min: number;
              max: number;
            };
            pattern?: string;
            nullRate?: number;
            /** @enum {string} */
            distribution?: "uniform" | "skewed";
          };
        }[];
      };
    };
    DryRun: {
      license: string;
      scriptSha256: string;
      dummyRows: number;
      /** @enum {string} */
      status: "released" | "held" | "rejected" | "failed";
      queries: components["schemas"]["DryRunQuery"][];
      release: {
        /** @enum {string} */
        outcome: "released" | "held" | "rejected";
        reasons: {
          code: string;
          detail: string;
          output?: string;
          row?: number;
          column?: string;
        }[];
        tainted: boolean;
        reviewsRequired: number;
        outputs: {
          name: string;
          rows: number;
        }[];
      };
      /** @description The outputs computed from dummy data: no real value. */
      dummyOutputs: {
        [key: string]: {
          [key: string]: string | number | boolean | null;
        }[];
      };
      logs: string[];
      error?: {
        /** @enum {string} */
        code:
          | "BAD_REQUEST"
          | "UNAUTHENTICATED"
          | "FORBIDDEN"
          | "NOT_FOUND"
          | "CONFLICT"
          | "PAYLOAD_TOO_LARGE"
          | "RATE_LIMITED"
          | "LICENSE_INVALID"
          | "LICENSE_EXPIRED"
          | "QUOTA_EXCEEDED"
          | "BUDGET_EXHAUSTED"
          | "SQL_NOT_ALLOWED"
          | "QUERY_FAILED"
          | "POLICY_VIOLATION"
          | "OUTPUT_REJECTED"
          | "TIMEOUT"
          | "MEMORY_LIMIT"
          | "LIMIT_EXCEEDED"
          | "SCRIPT_ERROR"
          | "SANDBOX_CRASH"
          | "CANCELLED"
          | "QUEUE_FULL"
          | "FROZEN"
          | "NOT_READY"
          | "INTERNAL"
          | "METHOD_NOT_ALLOWED"
          | "UNSUPPORTED_MEDIA_TYPE"
          | "URI_TOO_LONG"
          | "HEADERS_TOO_LARGE";
        class: string;
        line?: number;
        column?: number;
        message: string;
      };
      /** @description ε the job would charge, per dataset. */
      epsilon: {
        [key: string]: number;
      };
      budget: {
        dataset: string;
        period: string;
        total: number;
        spent: number;
        left: number;
      }[];
    };
    DryRunQuery: {
      index: number;
      sql: string;
      /** @enum {string} */
      verdict: "allowed" | "refused";
      /** @description Why it was refused: the code a real run's ctx.sql throws. */
      code?: string;
      message?: string;
      /** @enum {string|null} */
      kind: "open" | "row" | "aggregate" | null;
      datasets: string[];
      rules: components["schemas"]["ColumnRuleUse"][];
      /**
       * @example [
       *       "count_distinct_units",
       *       "threshold:10",
       *       "noise:discrete_laplace"
       *     ]
       */
      rewrites: string[];
      /** @description The SQL the engine runs instead (noise and suppression apply to its result). */
      rewrittenSql: string | null;
      /** @description ε this query would charge the license now (0 when repeated or already paid for). */
      epsilon: number;
      /** @description ε the query costs when first asked under the license. */
      epsilonCost: number;
      /** @description The license already paid for this query: a real run gets its recorded answer for free. */
      answeredFromRecord: boolean;
      tainted: boolean;
      requiresReview: boolean;
      /** @description Rows it returned on the dummy data. */
      rows: number;
    };
    ColumnRuleUse: {
      dataset: string;
      column: string;
      /** @example aggregate */
      rule: string;
      /** @example select */
      clause: string;
    };
    JobSubmission: {
      script: string;
      license: string;
      purpose?: string;
      /**
       * @default javascript
       * @enum {string}
       */
      language: "javascript" | "typescript";
    };
    Job: {
      id: string;
      /** @enum {string} */
      status: "queued" | "running" | "released" | "held" | "rejected" | "failed" | "cancelled";
      license: string;
      purpose: string;
      language: string;
      scriptSha256: string;
      /** Format: date-time */
      submittedAt: string;
      /** Format: date-time */
      startedAt: string | null;
      /** Format: date-time */
      finishedAt: string | null;
      policyVersions: {
        [key: string]: number;
      } | null;
      decision: {
        /** @enum {string} */
        outcome: "released" | "held" | "rejected";
        reasons: {
          code: string;
          detail: string;
          output?: string;
          row?: number;
          column?: string;
        }[];
        tainted: boolean;
        reviewsRequired: number;
      } | null;
      outputs?: {
        [key: string]: components["schemas"]["OutputTable"];
      };
      /** @description Per output and column, the accuracy of each noisy figure in row order (null where a cell is exact or computed by the script): `scale` of the discrete Laplace noise (null for a mean), `ci95`, the half-width of the 95% interval (figures are rounded to it), and `bounded`, the bounds the figure was computed under, which move it beyond the interval where the data exceed them (docs/accuracy.md). */
      accuracy?: {
        [key: string]: {
          [key: string]: ({
            scale: number | null;
            ci95: number;
            bounded?: {
              values?: [number, number];
              rowsPerUnit?: number;
              unitTotal?: number;
              /** @enum {boolean} */
              oneGroupPerUnit?: true;
            };
          } | null)[];
        };
      };
      logs?: string[];
      error?: {
        /** @enum {string} */
        code:
          | "BAD_REQUEST"
          | "UNAUTHENTICATED"
          | "FORBIDDEN"
          | "NOT_FOUND"
          | "CONFLICT"
          | "PAYLOAD_TOO_LARGE"
          | "RATE_LIMITED"
          | "LICENSE_INVALID"
          | "LICENSE_EXPIRED"
          | "QUOTA_EXCEEDED"
          | "BUDGET_EXHAUSTED"
          | "SQL_NOT_ALLOWED"
          | "QUERY_FAILED"
          | "POLICY_VIOLATION"
          | "OUTPUT_REJECTED"
          | "TIMEOUT"
          | "MEMORY_LIMIT"
          | "LIMIT_EXCEEDED"
          | "SCRIPT_ERROR"
          | "SANDBOX_CRASH"
          | "CANCELLED"
          | "QUEUE_FULL"
          | "FROZEN"
          | "NOT_READY"
          | "INTERNAL"
          | "METHOD_NOT_ALLOWED"
          | "UNSUPPORTED_MEDIA_TYPE"
          | "URI_TOO_LONG"
          | "HEADERS_TOO_LARGE";
        class: string;
        message: string | null;
        line?: number;
        column?: number;
      };
      usage: {
        cpuMs: number;
        wallMs: number;
        heapPeakBytes: number;
        queries: number;
        rowsIn: number;
        bytesIn: number;
        outputRows: number;
        outputCells: number;
        rowsScanned: number;
        rowsScannedByDataset?: {
          [key: string]: number;
        };
        datasets: string[];
        epsilon: {
          [key: string]: number;
        };
      } | null;
      receipt?: components["schemas"]["Receipt"];
    };
    OutputTable: {
      [key: string]: components["schemas"]["OutputCell"];
    }[];
    /** @description A cell in its JSON form: a 64-bit integer as a number within ±(2^53-1) and as a string of its digits beyond (JSON parsers read larger numbers inexactly); a decimal as a number; a date `YYYY-MM-DD`; a timestamp with time zone RFC 3339 in UTC (`2024-03-01T00:00:00.123456Z`), one without a zone the same without the offset; a list as an array. NaN and infinities are never released (an output holding one is refused). The Arrow form carries the column types themselves. */
    OutputCell: string | number | boolean | null | unknown[];
    Receipt: {
      payload: string;
      signature: string;
    };
    JobsPage: {
      jobs: components["schemas"]["Job"][];
      next: components["schemas"]["NextCursor"];
    };
    /**
     * Format: binary
     * @description An Apache Arrow IPC stream (streaming format: a schema message, then record batches), one column per output column with its type; read it with any Arrow library (`pyarrow.ipc.open_stream`, `apache-arrow`'s `tableFromIPC`).
     */
    ArrowStream: string;
    /**
     * @description `text/event-stream`. Each event has an `id` (its sequence number; send `Last-Event-ID` to resume) and JSON `data` with `at` (RFC 3339): `queued` (`{}`), `running` (`{ policyVersions }`), `progress` (`{ fraction, message? }`), `query` (`{ index, ok, kind, datasets, rewrites, epsilonCharged, cached, rows? }`, or `{ index, ok: false, code, detail }`), `gate` (`{ outcome, reasons }`), `finished` (`{ status, code? }`: the stream ends, except for `held`). `ping` (`{}`) keeps an idle stream open.
     * @example id: 2
     *     event: running
     *     data: {"policyVersions":{"air_quality":1},"at":"2026-12-05T10:00:01.250Z"}
     *
     *     id: 5
     *     event: finished
     *     data: {"status":"released","at":"2026-12-05T10:00:02.100Z"}
     */
    JobEventStream: string;
    ReviewList: {
      reviews: components["schemas"]["PendingReview"][];
      next: components["schemas"]["NextCursor"];
    };
    PendingReview: {
      job: components["schemas"]["Job"];
      /** @description The script whose outputs are held: what the reviewer decides on. */
      script: string;
      language: string;
      queries: {
        index: number;
        sql: string;
        verdict?: unknown;
        error?: unknown;
      }[];
      operator: {
        id: string;
        organization: string;
      };
      reviewsRequired: number;
      reviews: components["schemas"]["Review"][];
    };
    Review: {
      reviewer: string;
      /** @enum {string} */
      decision: "approve" | "reject";
      comment: string;
      /** Format: date-time */
      decidedAt: string;
    };
    ReviewOutcome: {
      job: components["schemas"]["Job"];
      reviews: components["schemas"]["Review"][];
    };
    ReviewDecision: {
      /** @enum {string} */
      decision: "approve" | "reject";
      comment: string;
    };
    CreditRecord: {
      operator: string;
      /** @enum {string} */
      operatorStatus: "active" | "suspended" | "revoked";
      score: number;
      /** @enum {string} */
      level: "none" | "warning" | "quota_cut" | "suspension";
      penalty: {
        /** @enum {string} */
        level: "none" | "warning" | "quota_cut" | "suspension";
        /** Format: date-time */
        since: string | null;
        quotaCuts: {
          license: string;
          before: {
            jobsPerDay: number | null;
            queriesPerJob: number | null;
          };
          after: {
            jobsPerDay: number | null;
            queriesPerJob: number | null;
          };
        }[];
        suspendedLicenses: string[];
      };
      rules: {
        points: {
          minor: number;
          major: number;
          severe: number;
        };
        quotaCutAt: number;
        suspensionAt: number;
        repairDays: number;
      };
      violations: {
        id: string;
        operator: string;
        /** @enum {string} */
        kind:
          | "policy_refusals"
          | "budget_exhaustion"
          | "release_gate_flag"
          | "differencing"
          | "officer_finding";
        /** @enum {string} */
        severity: "minor" | "major" | "severe";
        points: number;
        source: string;
        summary: string;
        evidence: {
          text: string | null;
          entries: number[];
          jobs: string[];
          alert: string | null;
        };
        /** Format: date-time */
        recordedAt: string;
        /** @enum {string} */
        penalty: "none" | "warning" | "quota_cut" | "suspension";
        /** @enum {string} */
        status: "standing" | "repaired" | "annulled";
        /** Format: date-time */
        repairsAt: string | null;
        objection: {
          reason: string;
          /** Format: date-time */
          filedAt: string;
        } | null;
        decision: {
          /** @enum {string} */
          outcome: "upheld" | "dismissed";
          reason: string;
          decidedBy: string;
          /** Format: date-time */
          decidedAt: string;
        } | null;
      }[];
    };
    Violation: {
      id: string;
      operator: string;
      /** @enum {string} */
      kind:
        | "policy_refusals"
        | "budget_exhaustion"
        | "release_gate_flag"
        | "differencing"
        | "officer_finding";
      /** @enum {string} */
      severity: "minor" | "major" | "severe";
      points: number;
      source: string;
      summary: string;
      evidence: {
        text: string | null;
        entries: number[];
        jobs: string[];
        alert: string | null;
      };
      /** Format: date-time */
      recordedAt: string;
      /** @enum {string} */
      penalty: "none" | "warning" | "quota_cut" | "suspension";
      /** @enum {string} */
      status: "standing" | "repaired" | "annulled";
      /** Format: date-time */
      repairsAt: string | null;
      objection: {
        reason: string;
        /** Format: date-time */
        filedAt: string;
      } | null;
      decision: {
        /** @enum {string} */
        outcome: "upheld" | "dismissed";
        reason: string;
        decidedBy: string;
        /** Format: date-time */
        decidedAt: string;
      } | null;
    };
    ViolationRequest: {
      /**
       * @default officer_finding
       * @enum {string}
       */
      kind:
        | "policy_refusals"
        | "budget_exhaustion"
        | "release_gate_flag"
        | "differencing"
        | "officer_finding";
      /** @enum {string} */
      severity: "minor" | "major" | "severe";
      summary: string;
      evidence: {
        text: string;
        /** @default [] */
        jobs: string[];
        /** @default [] */
        entries: number[];
      };
    };
    ObjectionRequest: {
      reason: string;
    };
    ObjectionDecision: {
      /** @enum {string} */
      decision: "upheld" | "dismissed";
      reason: string;
    };
    EvaluationReport: {
      operator: string;
      organization: string;
      from: string;
      to: string;
      jobs: {
        submitted: number;
        released: number;
        heldByGate: number;
        heldNow: number;
        rejected: number;
        failed: number;
        cancelled: number;
        inProgress: number;
      };
      reviews: {
        approvals: number;
        rejections: number;
      };
      outputs: {
        released: number;
        held: number;
      };
      violations: {
        total: number;
        byKind: {
          policy_refusals?: number;
          budget_exhaustion?: number;
          release_gate_flag?: number;
          differencing?: number;
          officer_finding?: number;
        };
        bySeverity: {
          minor: number;
          major: number;
          severe: number;
        };
        complaints: number;
        annulled: number;
      };
      objections: {
        filed: number;
        upheld: number;
        dismissed: number;
        pending: number;
      };
      budget: {
        license: string;
        dataset: string;
        used: number;
        granted: {
          total: number;
          perQuery: number;
          period: string;
        } | null;
      }[];
      qualityIssues: {
        reported: number;
        byStatus: {
          [key: string]: number;
        };
      };
    };
    OperatorExit: {
      operator: components["schemas"]["Operator"];
      revokedKeys: string[];
      revokedLicenses: string[];
      settlement: {
        period: string;
        /** Format: date-time */
        from: string;
        /** Format: date-time */
        to: string;
        totals: {
          [key: string]: number | string;
        };
      };
    };
    Operator: {
      id: string;
      name: string;
      organization: string;
      /** @enum {string} */
      status: "active" | "suspended" | "revoked";
      statusReason: string | null;
      /** Format: date-time */
      statusChangedAt: string | null;
      /** Format: date-time */
      createdAt: string;
      qualification: {
        organization: string;
        uscc: string;
        address?: string;
        contact: {
          name: string;
          phone?: string;
          /** Format: email */
          email?: string;
        };
        certificate: string;
        /** Format: date */
        certificateValidTo?: string;
        approvedPurposes: string[];
      } | null;
    };
    ExitRequest: {
      reason: string;
    };
    RegisteredOperator: {
      operator: components["schemas"]["Operator"];
      apiKey: components["schemas"]["IssuedKey"];
    };
    IssuedKey: {
      /** @description The API key. Shown once; store it now. */
      key: string;
      /** @description Names the key in listings and logs. */
      prefix: string;
    };
    OperatorRegistration: {
      name: string;
      qualification: {
        organization: string;
        uscc: string;
        address?: string;
        contact: {
          name: string;
          phone?: string;
          /** Format: email */
          email?: string;
        };
        certificate: string;
        /** Format: date */
        certificateValidTo?: string;
        approvedPurposes: string[];
      };
    };
    OperatorsPage: {
      operators: components["schemas"]["Operator"][];
      next: components["schemas"]["NextCursor"];
    };
    StatusChange: {
      /** @example qualification certificate lapsed */
      reason: string;
    };
    CreatedPrincipal: {
      principal: {
        id: string;
        /** @enum {string} */
        role: "operator" | "bureau" | "auditor" | "holder";
        name: string;
        organization: string;
        /** @enum {string} */
        status: "active" | "suspended" | "revoked";
      };
      apiKey: components["schemas"]["IssuedKey"];
    };
    StaffPrincipal: {
      /** @enum {string} */
      role: "bureau" | "auditor" | "holder";
      name: string;
      organization: string;
    };
    ApiKeyList: {
      keys: components["schemas"]["ApiKey"][];
      next: components["schemas"]["NextCursor"];
    };
    ApiKey: {
      prefix: string;
      principal: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      revokedAt: string | null;
      /** @description The client certificate this key is bound to, by the SHA-256 of its SubjectPublicKeyInfo: the key is accepted only on a connection presenting a certificate with that key, verified by the node's TLS_CLIENT_CA_FILE. Null: any connection. */
      clientKeySha256: string | null;
    };
    Caller: {
      id: string;
      /** @enum {string} */
      role: "operator" | "bureau" | "auditor" | "holder";
      name: string;
      organization: string;
      /** @enum {string} */
      status: "active" | "suspended" | "revoked";
    };
    IssuedBoundKey: components["schemas"]["IssuedKey"] & {
      /** @description The client certificate's key the new key is bound to; null: any connection. */
      clientKeySha256: string | null;
    };
    IssueKey: {
      clientCertificate?: components["schemas"]["KeyBinding"];
    };
    /** @description Bind the new key to this client certificate from the start. */
    KeyBinding: {
      /** @description The client certificate (PEM). Only its public key counts: a renewal keeping the key pair keeps the binding. */
      certificate?: string;
      /** @description Instead of the certificate: SHA-256 of its SubjectPublicKeyInfo, lowercase hex (`openssl x509 -in client.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256`). */
      clientKeySha256?: string;
    };
    LicensesPage: {
      licenses: components["schemas"]["LicenseView"][];
      next: components["schemas"]["NextCursor"];
    };
    LicenseView: {
      license: components["schemas"]["License"];
      /** @enum {string} */
      status: "active" | "suspended" | "expired" | "revoked";
      statusReason: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string | null;
      budget: components["schemas"]["DatasetBudget"][];
    };
    License: {
      id: string;
      operator: string;
      purpose: string;
      /** Format: date-time */
      validFrom: string;
      /** Format: date-time */
      validTo: string;
      datasets: {
        name: string;
        columns?: {
          [key: string]: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
        };
        minGroupSize?: number;
        maxContributionsPerUnit?: number;
        epsilon?: {
          /** @default 0.2 */
          perQuery: number;
          total: number;
          /**
           * @default total
           * @enum {string}
           */
          period: "total" | "year" | "month" | "day";
        };
      }[];
      /** @default {} */
      quotas: {
        jobsPerDay?: number;
        queriesPerJob?: number;
        rowsPerQuery?: number;
        outputCells?: number;
      };
      /**
       * @default auto
       * @enum {string}
       */
      releaseMode: "auto" | "review";
    };
    DatasetBudget: {
      dataset: string;
      /** @example month:2026-03 */
      period: string;
      total: number;
      spent: number;
      left: number;
    };
    Application: {
      /** @example app_6f1c2d0e-8a51-4b7e-9a3c-2b1d0e5f4a17 */
      id: string;
      operator: string;
      /** @enum {string} */
      status:
        | "awaiting_consent"
        | "awaiting_approval"
        | "approved"
        | "refused"
        | "withdrawn"
        | "expired"
        | "superseded";
      document: {
        datasets: {
          name: string;
          columns?: {
            [key: string]: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
          };
          minGroupSize?: number;
          maxContributionsPerUnit?: number;
          epsilon?: {
            /** @default 0.2 */
            perQuery: number;
            total: number;
            /**
             * @default total
             * @enum {string}
             */
            period: "total" | "year" | "month" | "day";
          };
        }[];
        purpose: string;
        scenario: string;
        /** Format: date-time */
        validFrom: string;
        /** Format: date-time */
        validTo: string;
        /** @default {} */
        quotas: {
          jobsPerDay?: number;
          queriesPerJob?: number;
          rowsPerQuery?: number;
          outputCells?: number;
        };
        /**
         * @default auto
         * @enum {string}
         */
        releaseMode: "auto" | "review";
      };
      /**
       * @example {
       *       "population": 3,
       *       "enterprises": 1
       *     }
       */
      policyVersions: {
        [key: string]: number;
      };
      amends: string | null;
      licenseId: string | null;
      statusReason: string | null;
      /** Format: date-time */
      submittedAt: string;
      /** Format: date-time */
      expiresAt: string;
      /** Format: date-time */
      updatedAt: string;
      decisions: components["schemas"]["ApplicationDecision"][];
      awaiting: {
        consents: string[];
        approvals: number;
      };
    };
    ApplicationDecision: {
      /** @enum {string} */
      step: "consent" | "approval";
      dataset: string | null;
      decider: string;
      /** @enum {string} */
      decision: "consent" | "approve" | "refuse";
      reason: string | null;
      policyVersions: {
        [key: string]: number;
      };
      /** Format: date-time */
      decidedAt: string;
    };
    ApplicationDocument: {
      datasets: {
        name: string;
        columns?: {
          [key: string]: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
        };
        minGroupSize?: number;
        maxContributionsPerUnit?: number;
        epsilon?: {
          /** @default 0.2 */
          perQuery: number;
          total: number;
          /**
           * @default total
           * @enum {string}
           */
          period: "total" | "year" | "month" | "day";
        };
      }[];
      purpose: string;
      scenario: string;
      /** Format: date-time */
      validFrom: string;
      /** Format: date-time */
      validTo: string;
      /** @default {} */
      quotas: {
        jobsPerDay?: number;
        queriesPerJob?: number;
        rowsPerQuery?: number;
        outputCells?: number;
      };
      /**
       * @default auto
       * @enum {string}
       */
      releaseMode: "auto" | "review";
    };
    ApplicationList: {
      applications: components["schemas"]["Application"][];
      next: components["schemas"]["NextCursor"];
    };
    /**
     * @example {
     *       "reason": "the project was cancelled"
     *     }
     */
    ApplicationWithdrawal: {
      reason?: string;
    };
    ConsentDecision: {
      dataset: string;
      /** @enum {string} */
      decision: "consent" | "refuse";
      reason?: string;
    };
    ApprovalDecision: {
      /** @enum {string} */
      decision: "approve" | "refuse";
      reason?: string;
    };
    PolicyVersion: {
      dataset: string;
      version: number;
      /** Format: date-time */
      effectiveFrom: string;
      author: string;
      note: string | null;
      manifest: {
        name: string;
        title: string;
        description: string;
        holder: {
          department: string;
          contact?: string;
        };
        grade: 1 | 2 | 3 | 4;
        /** @enum {string} */
        updateFrequency: "realtime" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";
        privacyUnit: string | null;
        maxContributionsPerUnit?: number;
        minGroupSize?: number;
        coverage?: {
          /** Format: date */
          from: string;
          /** Format: date */
          to: string;
        };
        dominance?: {
          n: number;
          k: number;
          p?: number;
        };
        columns: {
          name: string;
          type:
            | ("BOOLEAN" | "SMALLINT" | "INTEGER" | "BIGINT" | "DOUBLE" | "DATE" | "TIMESTAMP" | "VARCHAR")
            | string;
          meaning: string;
          /** @enum {string} */
          rule: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
          unit?: string;
          /** @enum {string} */
          identifier?:
            | "resident_id"
            | "uscc"
            | "person_name"
            | "organization_name"
            | "phone"
            | "bank_card"
            | "record_id";
          values?: string[];
          bounds?: {
            min: number;
            max: number;
            unitMax?: number;
          };
          dateRange?: {
            /** Format: date */
            from: string;
            /** Format: date */
            to: string;
          };
          dummy?: {
            values?: string[];
            range?: {
              min: number;
              max: number;
            };
            pattern?: string;
            nullRate?: number;
            /** @enum {string} */
            distribution?: "uniform" | "skewed";
          };
        }[];
      };
    };
    Proposal: {
      id: string;
      /** @enum {string} */
      kind: "policy" | "tariff" | "unfreeze";
      subject: string;
      /** @enum {string} */
      status: "pending" | "approved" | "refused" | "withdrawn" | "superseded";
      proposer: string;
      reason: string;
      /** Format: date-time */
      effectiveAt: string | null;
      baseVersion: number | null;
      diff: {
        loosens: boolean;
        changes: {
          /** @enum {string} */
          kind: "added" | "removed" | "changed";
          path: string;
          column?: string;
          before?: unknown;
          after?: unknown;
          /** @enum {string} */
          effect: "tightens" | "neutral" | "loosens";
          line: string;
        }[];
      };
      document?: unknown;
      decider: string | null;
      decisionReason: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      decidedAt: string | null;
      appliedVersion: number | null;
    };
    DatasetManifest: {
      name: string;
      title: string;
      description: string;
      holder: {
        department: string;
        contact?: string;
      };
      grade: 1 | 2 | 3 | 4;
      /** @enum {string} */
      updateFrequency: "realtime" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";
      privacyUnit: string | null;
      maxContributionsPerUnit?: number;
      minGroupSize?: number;
      coverage?: {
        /** Format: date */
        from: string;
        /** Format: date */
        to: string;
      };
      dominance?: {
        n: number;
        k: number;
        p?: number;
      };
      columns: {
        name: string;
        type:
          | ("BOOLEAN" | "SMALLINT" | "INTEGER" | "BIGINT" | "DOUBLE" | "DATE" | "TIMESTAMP" | "VARCHAR")
          | string;
        meaning: string;
        /** @enum {string} */
        rule: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
        unit?: string;
        /** @enum {string} */
        identifier?:
          | "resident_id"
          | "uscc"
          | "person_name"
          | "organization_name"
          | "phone"
          | "bank_card"
          | "record_id";
        values?: string[];
        bounds?: {
          min: number;
          max: number;
          unitMax?: number;
        };
        dateRange?: {
          /** Format: date */
          from: string;
          /** Format: date */
          to: string;
        };
        dummy?: {
          values?: string[];
          range?: {
            min: number;
            max: number;
          };
          pattern?: string;
          nullRate?: number;
          /** @enum {string} */
          distribution?: "uniform" | "skewed";
        };
      }[];
    };
    PolicyVersionList: {
      versions: {
        dataset: string;
        version: number;
        /** Format: date-time */
        effectiveFrom: string;
        author: string;
        note: string | null;
      }[];
      next: components["schemas"]["NextCursor"];
    };
    PolicyDiff: {
      dataset: string;
      from: number;
      to: number;
      changes: {
        /** @enum {string} */
        kind: "added" | "removed" | "changed";
        path: string;
        column?: string;
        before?: unknown;
        after?: unknown;
      }[];
    };
    Tariffs: {
      current: components["schemas"]["TariffVersion"];
      versions: components["schemas"]["TariffVersion"][];
      next: components["schemas"]["NextCursor"];
    };
    TariffVersion: {
      version: number;
      tariff: {
        /** @enum {string} */
        currency: "CNY";
        /** @default 0 */
        perJob: number;
        perCpuSecond: number;
        perQuery: number;
        perEpsilon: number;
        perOutputCell: number;
        perThousandRowsScanned: number;
        /** @default {} */
        datasetMultipliers: {
          [key: string]: number;
        };
        note?: string;
      };
      /** Format: date-time */
      effectiveFrom: string;
      author: string;
    } | null;
    Tariff: {
      /** @enum {string} */
      currency: "CNY";
      /** @default 0 */
      perJob: number;
      perCpuSecond: number;
      perQuery: number;
      perEpsilon: number;
      perOutputCell: number;
      perThousandRowsScanned: number;
      /** @default {} */
      datasetMultipliers: {
        [key: string]: number;
      };
      note?: string;
    };
    ProposalRequest:
      | {
          /** @enum {string} */
          kind: "policy";
          dataset: string;
          manifest: {
            name: string;
            title: string;
            description: string;
            holder: {
              department: string;
              contact?: string;
            };
            grade: 1 | 2 | 3 | 4;
            /** @enum {string} */
            updateFrequency: "realtime" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";
            privacyUnit: string | null;
            maxContributionsPerUnit?: number;
            minGroupSize?: number;
            coverage?: {
              /** Format: date */
              from: string;
              /** Format: date */
              to: string;
            };
            dominance?: {
              n: number;
              k: number;
              p?: number;
            };
            columns: {
              name: string;
              type:
                | (
                    | "BOOLEAN"
                    | "SMALLINT"
                    | "INTEGER"
                    | "BIGINT"
                    | "DOUBLE"
                    | "DATE"
                    | "TIMESTAMP"
                    | "VARCHAR"
                  )
                | string;
              meaning: string;
              /** @enum {string} */
              rule: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
              unit?: string;
              /** @enum {string} */
              identifier?:
                | "resident_id"
                | "uscc"
                | "person_name"
                | "organization_name"
                | "phone"
                | "bank_card"
                | "record_id";
              values?: string[];
              bounds?: {
                min: number;
                max: number;
                unitMax?: number;
              };
              dateRange?: {
                /** Format: date */
                from: string;
                /** Format: date */
                to: string;
              };
              dummy?: {
                values?: string[];
                range?: {
                  min: number;
                  max: number;
                };
                pattern?: string;
                nullRate?: number;
                /** @enum {string} */
                distribution?: "uniform" | "skewed";
              };
            }[];
          };
          reason: string;
          /** Format: date-time */
          effectiveAt?: string;
        }
      | {
          /** @enum {string} */
          kind: "tariff";
          tariff: {
            /** @enum {string} */
            currency: "CNY";
            /** @default 0 */
            perJob: number;
            perCpuSecond: number;
            perQuery: number;
            perEpsilon: number;
            perOutputCell: number;
            perThousandRowsScanned: number;
            /** @default {} */
            datasetMultipliers: {
              [key: string]: number;
            };
            note?: string;
          };
          reason: string;
          /** Format: date-time */
          effectiveAt?: string;
        }
      | {
          /** @enum {string} */
          kind: "unfreeze";
          freeze: string;
          reason: string;
          /** Format: date-time */
          effectiveAt?: string;
        };
    ProposalList: {
      proposals: components["schemas"]["Proposal"][];
      next: components["schemas"]["NextCursor"];
    };
    ProposalDecision: {
      /** @enum {string} */
      decision: "approve" | "refuse";
      reason?: string;
    };
    ProposalWithdrawal: {
      reason?: string;
    };
    ImposedFreeze: {
      freeze: components["schemas"]["Freeze"];
      stopped: {
        cancelled: string[];
        running: string[];
      };
    };
    Freeze: {
      id: string;
      /** @enum {string} */
      scope: "domain" | "dataset" | "operator" | "license";
      target: string | null;
      reason: string;
      frozenBy: string;
      /** Format: date-time */
      frozenAt: string;
      /** Format: date-time */
      liftedAt: string | null;
      liftedBy: string | null;
      liftProposal: string | null;
      live: boolean;
    };
    FreezeRequest: {
      /** @enum {string} */
      scope: "domain" | "dataset" | "operator" | "license";
      target?: string;
      reason: string;
    };
    FreezeList: {
      freezes: components["schemas"]["Freeze"][];
      next: components["schemas"]["NextCursor"];
    };
    FreezeLiftRequest: {
      reason: string;
      /** Format: date-time */
      effectiveAt?: string;
    };
    AuditPage: {
      entries: {
        v: number;
        position: number;
        /** Format: date-time */
        time: string;
        type: string;
        actor: string;
        subjects: {
          [key: string]: unknown;
        };
        data: {
          [key: string]: unknown;
        };
        prev: string;
        hash: string;
      }[];
      next: number | null;
    };
    AuditVerification: {
      valid: boolean;
      entries: number;
      firstBad?: {
        position: number;
        reason: string;
      } & {
        [key: string]: unknown;
      };
      lastCheckpoint?: {
        [key: string]: unknown;
      };
      head?: {
        [key: string]: unknown;
      };
    };
    DomainPublicKey: {
      publicKey: string;
      fingerprint: string;
    };
    AuditCheckpoint: {
      checkpoint: {
        [key: string]: unknown;
      } | null;
    };
    UsageReport: {
      lines: components["schemas"]["UsageLine"][];
      periods: components["schemas"]["PeriodUsage"][];
      totals: {
        /** @description Whole jobs with a part in the line (each job once in the totals). */
        jobs: number;
        /** @description The jobs' shares attributed to the line, in millionths of a job. */
        sharePpm: number;
        /** @description Rows of the line's dataset its jobs scanned. */
        rowsScanned: number;
        cpuMs: number;
        wallMs: number;
        queries: number;
        rowsIn: number;
        bytesIn: number;
        outputCells: number;
        epsilon: number;
        /** @description Charge in fen (0.01 CNY). */
        chargeFen: number;
        /**
         * @description The charge in CNY, as text.
         * @example 12.34
         */
        charge: string;
      };
    };
    UsageLine: {
      period: string;
      operator: string;
      license: string;
      dataset: string | null;
      holder: string | null;
      /**
       * @description How each job was divided between its datasets: by rows scanned, or evenly when it scanned nothing attributable (docs/settlement.md).
       * @enum {string}
       */
      basis: "rows_scanned" | "even";
      /** @description Whole jobs with a part in the line (each job once in the totals). */
      jobs: number;
      /** @description The jobs' shares attributed to the line, in millionths of a job. */
      sharePpm: number;
      /** @description Rows of the line's dataset its jobs scanned. */
      rowsScanned: number;
      cpuMs: number;
      wallMs: number;
      queries: number;
      rowsIn: number;
      bytesIn: number;
      outputCells: number;
      epsilon: number;
      /** @description Charge in fen (0.01 CNY). */
      chargeFen: number;
      /**
       * @description The charge in CNY, as text.
       * @example 12.34
       */
      charge: string;
    };
    /** @description Use in one period over all its lines: each job counted once. */
    PeriodUsage: {
      period: string;
      /** @description Whole jobs with a part in the line (each job once in the totals). */
      jobs: number;
      /** @description The jobs' shares attributed to the line, in millionths of a job. */
      sharePpm: number;
      /** @description Rows of the line's dataset its jobs scanned. */
      rowsScanned: number;
      cpuMs: number;
      wallMs: number;
      queries: number;
      rowsIn: number;
      bytesIn: number;
      outputCells: number;
      epsilon: number;
      /** @description Charge in fen (0.01 CNY). */
      chargeFen: number;
      /**
       * @description The charge in CNY, as text.
       * @example 12.34
       */
      charge: string;
    };
    Statement:
      | {
          id: string;
          statement:
            | {
                /** @enum {string} */
                type: "aos.settlement-statement";
                /** @enum {number} */
                version: 1;
                period: string;
                /** Format: date-time */
                from: string;
                /** Format: date-time */
                to: string;
                /** @enum {string} */
                currency: "CNY";
                method: {
                  /** @enum {string} */
                  contribution: "rows_scanned";
                  /** @enum {string} */
                  fallback: "even";
                  /** @enum {string} */
                  rounding: "largest_remainder";
                  /** @enum {string} */
                  unit: "fen";
                };
                tariffVersions: number[];
                jobs:
                  | {
                      count: number;
                      sha256: string;
                    }
                  | {
                      count: number;
                      sm3: string;
                    };
                totals: {
                  jobs: number;
                  rowsScanned: number;
                  chargeFen: number;
                  charge: string;
                };
                key: string;
                party: {
                  /** @enum {string} */
                  kind: "operator";
                  id: string;
                };
                lines: {
                  license: string;
                  dataset: string | null;
                  holder: string | null;
                  /** @enum {string} */
                  basis: "rows_scanned" | "even";
                  jobs: number;
                  rowsScanned: number;
                  chargeFen: number;
                  charge: string;
                }[];
              }
            | {
                /** @enum {string} */
                type: "aos.settlement-statement";
                /** @enum {number} */
                version: 1;
                period: string;
                /** Format: date-time */
                from: string;
                /** Format: date-time */
                to: string;
                /** @enum {string} */
                currency: "CNY";
                method: {
                  /** @enum {string} */
                  contribution: "rows_scanned";
                  /** @enum {string} */
                  fallback: "even";
                  /** @enum {string} */
                  rounding: "largest_remainder";
                  /** @enum {string} */
                  unit: "fen";
                };
                tariffVersions: number[];
                jobs:
                  | {
                      count: number;
                      sha256: string;
                    }
                  | {
                      count: number;
                      sm3: string;
                    };
                totals: {
                  jobs: number;
                  rowsScanned: number;
                  chargeFen: number;
                  charge: string;
                };
                key: string;
                party: {
                  /** @enum {string} */
                  kind: "holder";
                  id: string;
                };
                lines: {
                  dataset: string;
                  operator: string;
                  /** @enum {string} */
                  basis: "rows_scanned" | "even";
                  jobs: number;
                  rowsScanned: number;
                  chargeFen: number;
                  charge: string;
                }[];
              };
          signature: string;
          /** Format: date-time */
          issuedAt: string;
          issuedBy: string;
          sha256: string;
        }
      | {
          id: string;
          statement:
            | {
                /** @enum {string} */
                type: "aos.settlement-statement";
                /** @enum {number} */
                version: 1;
                period: string;
                /** Format: date-time */
                from: string;
                /** Format: date-time */
                to: string;
                /** @enum {string} */
                currency: "CNY";
                method: {
                  /** @enum {string} */
                  contribution: "rows_scanned";
                  /** @enum {string} */
                  fallback: "even";
                  /** @enum {string} */
                  rounding: "largest_remainder";
                  /** @enum {string} */
                  unit: "fen";
                };
                tariffVersions: number[];
                jobs:
                  | {
                      count: number;
                      sha256: string;
                    }
                  | {
                      count: number;
                      sm3: string;
                    };
                totals: {
                  jobs: number;
                  rowsScanned: number;
                  chargeFen: number;
                  charge: string;
                };
                key: string;
                party: {
                  /** @enum {string} */
                  kind: "operator";
                  id: string;
                };
                lines: {
                  license: string;
                  dataset: string | null;
                  holder: string | null;
                  /** @enum {string} */
                  basis: "rows_scanned" | "even";
                  jobs: number;
                  rowsScanned: number;
                  chargeFen: number;
                  charge: string;
                }[];
              }
            | {
                /** @enum {string} */
                type: "aos.settlement-statement";
                /** @enum {number} */
                version: 1;
                period: string;
                /** Format: date-time */
                from: string;
                /** Format: date-time */
                to: string;
                /** @enum {string} */
                currency: "CNY";
                method: {
                  /** @enum {string} */
                  contribution: "rows_scanned";
                  /** @enum {string} */
                  fallback: "even";
                  /** @enum {string} */
                  rounding: "largest_remainder";
                  /** @enum {string} */
                  unit: "fen";
                };
                tariffVersions: number[];
                jobs:
                  | {
                      count: number;
                      sha256: string;
                    }
                  | {
                      count: number;
                      sm3: string;
                    };
                totals: {
                  jobs: number;
                  rowsScanned: number;
                  chargeFen: number;
                  charge: string;
                };
                key: string;
                party: {
                  /** @enum {string} */
                  kind: "holder";
                  id: string;
                };
                lines: {
                  dataset: string;
                  operator: string;
                  /** @enum {string} */
                  basis: "rows_scanned" | "even";
                  jobs: number;
                  rowsScanned: number;
                  chargeFen: number;
                  charge: string;
                }[];
              };
          signature: string;
          /** Format: date-time */
          issuedAt: string;
          issuedBy: string;
          sm3: string;
        };
    StatementRequest: {
      period: string;
      party: {
        /** @enum {string} */
        kind: "operator" | "holder";
        id: string;
      };
    };
    StatementList: {
      statements: (
        | {
            id: string;
            period: string;
            party: {
              /** @enum {string} */
              kind: "operator" | "holder";
              id: string;
            };
            chargeFen: number;
            charge: string;
            /** Format: date-time */
            issuedAt: string;
            issuedBy: string;
            sha256: string;
          }
        | {
            id: string;
            period: string;
            party: {
              /** @enum {string} */
              kind: "operator" | "holder";
              id: string;
            };
            chargeFen: number;
            charge: string;
            /** Format: date-time */
            issuedAt: string;
            issuedBy: string;
            sm3: string;
          }
      )[];
      next: components["schemas"]["NextCursor"];
    };
    StatementVerification: {
      valid: boolean;
      reason?: string;
      checks: {
        /** @enum {string} */
        check: "shape" | "hash" | "signature" | "key" | "totals" | "recompute" | "log";
        ok: boolean;
        detail: string;
      }[];
      differences?: {
        path: string;
        issued?: unknown;
        recomputed?: unknown;
      }[];
    };
    /**
     * @example {
     *       "notifications": [
     *         {
     *           "id": 42,
     *           "kind": "review.awaiting",
     *           "subject": {
     *             "job": "job_0b6f2c1d9e8a7f60",
     *             "license": "lic_demo_urban_analytics"
     *           },
     *           "message": "job job_0b6f2c1d9e8a7f60 is held for review (1 approval needed)",
     *           "createdAt": "2026-03-04T09:12:00.000Z",
     *           "readAt": null
     *         }
     *       ],
     *       "unread": 1,
     *       "next": null,
     *       "before": null,
     *       "after": 42
     *     }
     */
    InboxPage: {
      notifications: components["schemas"]["Notification"][];
      unread: number;
      next: components["schemas"]["NextCursor"];
      /**
       * @deprecated
       * @description Deprecated: page with `next` and `cursor` instead.
       */
      before: number | null;
      after: number | null;
    };
    /**
     * @example {
     *       "id": 42,
     *       "kind": "review.awaiting",
     *       "subject": {
     *         "job": "job_0b6f2c1d9e8a7f60",
     *         "license": "lic_demo_urban_analytics"
     *       },
     *       "message": "job job_0b6f2c1d9e8a7f60 is held for review (1 approval needed)",
     *       "createdAt": "2026-03-04T09:12:00.000Z",
     *       "readAt": null
     *     }
     */
    Notification: {
      id: number;
      /** @enum {string} */
      kind:
        | "application.awaiting_consent"
        | "application.awaiting_approval"
        | "application.decided"
        | "proposal.awaiting_approval"
        | "proposal.decided"
        | "freeze.imposed"
        | "freeze.lifted"
        | "policy.changed"
        | "dataset.version_supplied"
        | "review.awaiting"
        | "review.decided"
        | "license.expiring"
        | "alert.raised"
        | "credit.violation"
        | "credit.penalty"
        | "credit.objection"
        | "credit.decision"
        | "operator.exited"
        | "quality_issue.reported"
        | "quality_issue.answered";
      /**
       * @example {
       *       "job": "job_0b6f2c1d9e8a7f60",
       *       "license": "lic_demo_urban_analytics"
       *     }
       */
      subject: {
        [key: string]: string;
      };
      message: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      readAt: string | null;
    };
    /**
     * @example {
     *       "marked": 3
     *     }
     */
    InboxMarked: {
      marked: number;
    };
    /**
     * @example {
     *       "upTo": 42
     *     }
     */
    InboxReadRequest: {
      /** @example 42 */
      upTo?: number;
    };
    /**
     * @example {
     *       "webhook": {
     *         "id": "whk_5f0c9a3b1d2e4f60",
     *         "url": "https://hooks.example.org/aos",
     *         "kinds": [
     *           "review.awaiting",
     *           "alert.raised"
     *         ],
     *         "createdAt": "2026-03-04T09:00:00.000Z"
     *       },
     *       "secret": "whsec_…"
     *     }
     */
    RegisteredWebhook: {
      webhook: components["schemas"]["Webhook"];
      secret: string;
    };
    /**
     * @example {
     *       "id": "whk_5f0c9a3b1d2e4f60",
     *       "url": "https://hooks.example.org/aos",
     *       "kinds": [
     *         "review.awaiting",
     *         "alert.raised"
     *       ],
     *       "createdAt": "2026-03-04T09:00:00.000Z"
     *     }
     */
    Webhook: {
      id: string;
      url: string;
      /** @description Empty: every kind. */
      kinds: (
        | "application.awaiting_consent"
        | "application.awaiting_approval"
        | "application.decided"
        | "proposal.awaiting_approval"
        | "proposal.decided"
        | "freeze.imposed"
        | "freeze.lifted"
        | "policy.changed"
        | "dataset.version_supplied"
        | "review.awaiting"
        | "review.decided"
        | "license.expiring"
        | "alert.raised"
        | "credit.violation"
        | "credit.penalty"
        | "credit.objection"
        | "credit.decision"
        | "operator.exited"
        | "quality_issue.reported"
        | "quality_issue.answered"
      )[];
      /** Format: date-time */
      createdAt: string;
    };
    /**
     * @example {
     *       "url": "https://hooks.example.org/aos",
     *       "kinds": [
     *         "review.awaiting",
     *         "alert.raised"
     *       ]
     *     }
     */
    WebhookRegistration: {
      /** @example https://hooks.example.org/aos */
      url: string;
      /**
       * @example [
       *       "review.awaiting"
       *     ]
       */
      kinds?: (
        | "application.awaiting_consent"
        | "application.awaiting_approval"
        | "application.decided"
        | "proposal.awaiting_approval"
        | "proposal.decided"
        | "freeze.imposed"
        | "freeze.lifted"
        | "policy.changed"
        | "dataset.version_supplied"
        | "review.awaiting"
        | "review.decided"
        | "license.expiring"
        | "alert.raised"
        | "credit.violation"
        | "credit.penalty"
        | "credit.objection"
        | "credit.decision"
        | "operator.exited"
        | "quality_issue.reported"
        | "quality_issue.answered"
      )[];
    };
    WebhookList: {
      webhooks: components["schemas"]["Webhook"][];
      next: components["schemas"]["NextCursor"];
    };
    WebhookDeliveryList: {
      deliveries: components["schemas"]["WebhookDelivery"][];
      next: components["schemas"]["NextCursor"];
    };
    /**
     * @example {
     *       "id": 7,
     *       "notification": 42,
     *       "status": "pending",
     *       "attempts": 2,
     *       "lastStatus": 503,
     *       "lastError": "the receiver answered HTTP 503",
     *       "nextAttemptAt": "2026-03-04T09:12:40.000Z",
     *       "createdAt": "2026-03-04T09:12:00.000Z",
     *       "deliveredAt": null
     *     }
     */
    WebhookDelivery: {
      id: number;
      notification: number;
      /** @enum {string} */
      status: "pending" | "delivered" | "failed";
      attempts: number;
      lastStatus: number | null;
      lastError: string | null;
      /** Format: date-time */
      nextAttemptAt: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      deliveredAt: string | null;
    };
    AlertList: {
      alerts: components["schemas"]["Alert"][];
      next: components["schemas"]["NextCursor"];
    };
    /**
     * @example {
     *       "id": "alr_8c1f0e2d3b4a5968",
     *       "rule": "refusal_burst",
     *       "status": "open",
     *       "operator": "op_3f2a1b0c",
     *       "subject": {
     *         "operator": "op_3f2a1b0c"
     *       },
     *       "summary": "12 queries of operator op_3f2a1b0c refused within 10 min (threshold 10)",
     *       "entries": [
     *         310,
     *         312,
     *         315
     *       ],
     *       "raisedAt": "2026-03-04T09:14:00.000Z",
     *       "closedAt": null,
     *       "closedBy": null,
     *       "resolution": null,
     *       "suggestedFreeze": {
     *         "scope": "operator",
     *         "target": "op_3f2a1b0c",
     *         "how": "POST /v1/freezes"
     *       }
     *     }
     */
    Alert: {
      id: string;
      /** @enum {string} */
      rule: "refusal_burst" | "budget_burn" | "differencing" | "auth_failures";
      /** @enum {string} */
      status: "open" | "closed";
      operator: string | null;
      subject: {
        operator?: string;
        license?: string;
        dataset?: string;
        period?: string;
        address?: string;
        keyPrefix?: string;
      };
      summary: string;
      /** @description Audit log positions behind the alert. */
      entries: number[];
      /** Format: date-time */
      raisedAt: string;
      /** Format: date-time */
      closedAt: string | null;
      closedBy: string | null;
      resolution: string | null;
      /** @description The freeze that would stop what the alert reports: impose it with `POST /v1/freezes` `{ scope, target, reason }` (bureau). */
      suggestedFreeze: {
        /** @enum {string} */
        scope: "operator" | "license";
        target: string;
        how: string;
      } | null;
    };
    /**
     * @example {
     *       "id": "alr_8c1f0e2d3b4a5968",
     *       "rule": "refusal_burst",
     *       "status": "open",
     *       "operator": "op_3f2a1b0c",
     *       "subject": {
     *         "operator": "op_3f2a1b0c"
     *       },
     *       "summary": "12 queries of operator op_3f2a1b0c refused within 10 min (threshold 10)",
     *       "entries": [
     *         310,
     *         312,
     *         315
     *       ],
     *       "raisedAt": "2026-03-04T09:14:00.000Z",
     *       "closedAt": null,
     *       "closedBy": null,
     *       "resolution": null,
     *       "suggestedFreeze": {
     *         "scope": "operator",
     *         "target": "op_3f2a1b0c",
     *         "how": "POST /v1/freezes"
     *       },
     *       "log": []
     *     }
     */
    AlertDetail: components["schemas"]["Alert"] & {
      /** @description The audit entries behind the alert. */
      log: {
        [key: string]: unknown;
      }[];
    };
    /**
     * @example {
     *       "resolution": "operator contacted; queries were a misconfigured dashboard"
     *     }
     */
    AlertClosing: {
      resolution: string;
    };
    QualityIssue: {
      id: string;
      dataset: string;
      column: string | null;
      /** @enum {string} */
      category: "missing_values" | "wrong_values" | "stale" | "inconsistent" | "other";
      summary: string;
      exampleQuery: string | null;
      reporter: string;
      license: string;
      reportedVersion: number | null;
      /** @enum {string} */
      status: "open" | "accepted" | "rejected" | "resolved" | "closed";
      answerReason: string | null;
      fixVersion: number | null;
      reopened: boolean;
      /** Format: date-time */
      reportedAt: string;
      /** Format: date-time */
      updatedAt: string;
      /** Format: date-time */
      resolvedAt: string | null;
      steps: {
        /** @enum {string} */
        step: "reported" | "accepted" | "rejected" | "resolved" | "confirmed" | "reopened";
        actor: string;
        reason: string | null;
        dataVersion: number | null;
        at: string;
      }[];
    };
    QualityReport: {
      column?: string;
      /** @enum {string} */
      category: "missing_values" | "wrong_values" | "stale" | "inconsistent" | "other";
      summary: string;
      exampleQuery?: string;
      license?: string;
    };
    QualityIssueList: {
      issues: components["schemas"]["QualityIssue"][];
      next: components["schemas"]["NextCursor"];
    };
    QualitySummary: {
      dataset: string;
      currentVersion: number | null;
      /** Format: date-time */
      suppliedAt: string | null;
      ageHours: number | null;
      updateFrequency: string;
      completeness: {
        column: string;
        completeness: number | null;
      }[];
      issues: {
        open: number;
        opened: number;
        resolved: number;
        rejected: number;
      };
    };
    QualityAnswer: {
      /** @enum {string} */
      decision: "accepted" | "rejected";
      reason?: string;
    };
    QualityResolution: {
      version: number;
      note?: string;
    };
    QualityFollowUp: {
      reason?: string;
    };
    Registration: {
      dataset: string;
      revision: number;
      /** @enum {string} */
      change: "registered" | "amended" | "version_added";
      holderDepartment: string;
      rights: ("holding" | "processing" | "operating")[];
      grade: number;
      versionHashes: {
        version: number;
        sha256: string;
        fileSha256: string;
      }[];
      note: string | null;
      recordedBy: string;
      /** Format: date-time */
      recordedAt: string;
      history: {
        dataset: string;
        revision: number;
        /** @enum {string} */
        change: "registered" | "amended" | "version_added";
        holderDepartment: string;
        rights: ("holding" | "processing" | "operating")[];
        grade: number;
        versionHashes: {
          version: number;
          sha256: string;
          fileSha256: string;
        }[];
        note: string | null;
        recordedBy: string;
        /** Format: date-time */
        recordedAt: string;
      }[];
    };
    RegistrationRequest: {
      dataset: string;
      rights: ("holding" | "processing" | "operating")[];
      note?: string;
    };
    RegistrationAmendment: {
      rights?: ("holding" | "processing" | "operating")[];
      note: string;
    };
    RegistrationList: {
      registrations: {
        dataset: string;
        revision: number;
        /** @enum {string} */
        change: "registered" | "amended" | "version_added";
        holderDepartment: string;
        rights: ("holding" | "processing" | "operating")[];
        grade: number;
        versionHashes: {
          version: number;
          sha256: string;
          fileSha256: string;
        }[];
        note: string | null;
        recordedBy: string;
        /** Format: date-time */
        recordedAt: string;
      }[];
      next: components["schemas"]["NextCursor"];
    };
    Product: {
      id: string;
      name: string;
      version: number;
      job: string;
      scriptSha256: string;
      datasets: string[];
      outputs: string[];
      terms: string;
      priceFen: number;
      /** @enum {string} */
      status: "listed" | "delisted";
      createdBy: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      statusChangedAt: string | null;
      subscribed?: boolean;
    };
    ProductRequest: {
      name: string;
      job: string;
      terms: string;
      priceFen: number;
    };
    ProductList: {
      products: components["schemas"]["Product"][];
      next: components["schemas"]["NextCursor"];
    };
    ProductDelisting: {
      reason: string;
    };
    Subscription: {
      product: string;
      productVersion: number;
      operator: string;
      license: string;
      /** Format: date-time */
      subscribedAt: string;
    };
    OpenDatasetList: {
      datasets: components["schemas"]["OpenDataset"][];
    };
    OpenDataset: {
      name: string;
      title: string;
      description: string;
      holder: {
        department: string;
      };
      updateFrequency: string;
      dataVersion: number | null;
      columns: {
        name: string;
        type: string;
        meaning: string;
        unit?: string;
      }[];
      withheld: string[];
    };
    OpenDataRows: {
      dataset: string;
      dataVersion: number;
      columns: {
        name: string;
        type: string;
      }[];
      rows: {
        [key: string]: string | number | boolean | null;
      }[];
      next: string | null;
    };
    RegisteredLicenseList: {
      licenses: components["schemas"]["RegisteredLicense"][];
      next: components["schemas"]["NextCursor"];
    };
    RegisteredLicense: {
      license: string;
      /** @description The operator's organisation */
      operator: string;
      purpose: string;
      datasets: string[];
      /** Format: date-time */
      validFrom: string;
      /** Format: date-time */
      validTo: string;
      /** @enum {string} */
      status: "active" | "suspended" | "expired" | "revoked";
    };
    MonthlyUsage: {
      month: string;
      datasets: {
        dataset: string;
        grade: number;
        jobs: number;
        operators: number;
        openReads: number;
        openRows: number;
      }[];
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getLiveness: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Alive. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Health"];
        };
      };
    };
  };
  getReadiness: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Ready. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Readiness"];
        };
      };
      /** @description Not ready. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Readiness"];
        };
      };
    };
  };
  getSession: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The session. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ConsoleSession"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  signIn: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          /**
           * @description An API key issued by the bureau.
           * @example aos_0123456789ab_…
           */
          key: string;
        };
      };
    };
    responses: {
      /** @description Signed in; the session cookie is set. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ConsoleSession"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  signOut: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Signed out. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SignedOut"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getSignOnProvider: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The provider, or null. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SignOnProvider"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listDatasets: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The catalog. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DatasetList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getDataset: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The dataset. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DatasetDetail"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listDataVersions: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The current version, a page of versions (oldest first) and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DataVersionList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  supplyDataVersion: {
    parameters: {
      query?: {
        note?: string;
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    /** @description The file itself (not JSON). Its size is limited by DATA_UPLOAD_MAX_BYTES. */
    requestBody: {
      content: {
        "application/vnd.apache.parquet": string;
        "text/csv": string;
      };
    };
    responses: {
      /** @description The version, now current. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DataVersion"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload exceeds DATA_UPLOAD_MAX_BYTES. */
      413: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  restoreDataVersion: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
        version: number;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          note?: string;
        };
      };
    };
    responses: {
      /** @description The version, now current. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DataVersion"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  draftDummyShapes: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The draft. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DummyDraft"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getDummyRows: {
    parameters: {
      query?: {
        rows?: number;
        seed?: number | null;
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Dummy rows. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DummyRows"];
          "text/csv": string;
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  draftCalibratedBounds: {
    parameters: {
      query?: {
        epsilon?: number;
        maxClampedShare?: number;
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The draft. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["BoundsDraft"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  explainJob: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          script: string;
          license: string;
          purpose?: string;
          /**
           * @default javascript
           * @enum {string}
           */
          language?: "javascript" | "typescript";
        };
      };
    };
    responses: {
      /** @description The dry run's report. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DryRun"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Body or script too large. */
      413: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A freeze holds the operator, the license or one of its datasets. */
      423: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listJobs: {
    parameters: {
      query?: {
        status?: "queued" | "running" | "released" | "held" | "rejected" | "failed" | "cancelled";
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of jobs and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["JobsPage"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  submitJob: {
    parameters: {
      query?: never;
      header?: {
        "idempotency-key"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          script: string;
          license: string;
          purpose?: string;
          /**
           * @default javascript
           * @enum {string}
           */
          language?: "javascript" | "typescript";
        };
      };
    };
    responses: {
      /** @description The job this Idempotency-Key already created. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Job"];
        };
      };
      /** @description Accepted and queued. */
      202: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Job"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The Idempotency-Key was used for another job. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Body or script too large. */
      413: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getJob: {
    parameters: {
      query?: {
        wait?: number | null;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Job"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  cancelJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job, cancelled or cancelling. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Job"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The job has already settled. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getJobOutput: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The output. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OutputTable"];
          "text/csv": string;
          "application/vnd.apache.arrow.stream": components["schemas"]["ArrowStream"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getJobReceipt: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The receipt. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Receipt"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  streamJobEvents: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description An event stream; it ends after the final state. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "text/event-stream": components["schemas"]["JobEventStream"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listReviews: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of held jobs, oldest first, and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ReviewList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  reviewJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        jobId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          /** @enum {string} */
          decision: "approve" | "reject";
          comment: string;
        };
      };
    };
    responses: {
      /** @description The decision is recorded; the job is released, rejected, or waits for another reviewer. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ReviewOutcome"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The job is not held, or this reviewer already decided. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getOperatorCredit: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The credit record. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CreditRecord"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  recordViolation: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "kind": "officer_finding",
         *       "severity": "major",
         *       "summary": "outputs shaped to single out small groups after a review rejection",
         *       "evidence": {
         *         "text": "job outputs repeat the rejected breakdown by one more column",
         *         "jobs": [
         *           "job_…"
         *         ]
         *       }
         *     }
         */
        "application/json": {
          /**
           * @default officer_finding
           * @enum {string}
           */
          kind?:
            | "policy_refusals"
            | "budget_exhaustion"
            | "release_gate_flag"
            | "differencing"
            | "officer_finding";
          /** @enum {string} */
          severity: "minor" | "major" | "severe";
          summary: string;
          evidence: {
            text: string;
            /** @default [] */
            jobs?: string[];
            /** @default [] */
            entries?: number[];
          };
        };
      };
    };
    responses: {
      /** @description The violation as recorded, with the penalty in force after it. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Violation"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  objectToViolation: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "reason": "the refused queries were a documented test of our new script"
         *     }
         */
        "application/json": {
          reason: string;
        };
      };
    };
    responses: {
      /** @description The violation with the objection filed. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Violation"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  decideObjection: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "decision": "upheld",
         *       "reason": "the tests were announced to the bureau beforehand"
         *     }
         */
        "application/json": {
          /** @enum {string} */
          decision: "upheld" | "dismissed";
          reason: string;
        };
      };
    };
    responses: {
      /** @description The violation with the decision. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Violation"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getOperatorEvaluation: {
    parameters: {
      query: {
        from: string;
        to: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The report. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["EvaluationReport"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  exitOperator: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "reason": "repeated severe violations"
         *     }
         */
        "application/json": {
          reason: string;
        };
      };
    };
    responses: {
      /** @description The operator after its exit, what was revoked, and the settlement. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OperatorExit"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listOperators: {
    parameters: {
      query?: {
        status?: "active" | "suspended" | "revoked";
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of operators and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OperatorsPage"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  registerOperator: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          name: string;
          qualification: {
            organization: string;
            uscc: string;
            address?: string;
            contact: {
              name: string;
              phone?: string;
              /** Format: email */
              email?: string;
            };
            certificate: string;
            /** Format: date */
            certificateValidTo?: string;
            approvedPurposes: string[];
          };
        };
      };
    };
    responses: {
      /** @description Admitted. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RegisteredOperator"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getOperator: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The operator. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Operator"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  changeOperatorStatus: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
        action: "suspend" | "reinstate" | "revoke";
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          /** @example qualification certificate lapsed */
          reason: string;
        };
      };
    };
    responses: {
      /** @description The operator after the change. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Operator"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  createPrincipal: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          /** @enum {string} */
          role: "bureau" | "auditor" | "holder";
          name: string;
          organization: string;
        };
      };
    };
    responses: {
      /** @description Created. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CreatedPrincipal"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listOwnKeys: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of keys and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ApiKeyList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getCaller: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The caller. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Caller"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listPrincipalKeys: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of keys and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ApiKeyList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  issueKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description Bind the new key to this client certificate from the start. */
          clientCertificate?: {
            /** @description The client certificate (PEM). Only its public key counts: a renewal keeping the key pair keeps the binding. */
            certificate?: string;
            /** @description Instead of the certificate: SHA-256 of its SubjectPublicKeyInfo, lowercase hex (`openssl x509 -in client.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256`). */
            clientKeySha256?: string;
          };
        };
      };
    };
    responses: {
      /** @description Issued. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["IssuedBoundKey"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  bindKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        prefix: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description The client certificate (PEM). Only its public key counts: a renewal keeping the key pair keeps the binding. */
          certificate?: string;
          /** @description Instead of the certificate: SHA-256 of its SubjectPublicKeyInfo, lowercase hex (`openssl x509 -in client.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256`). */
          clientKeySha256?: string;
        };
      };
    };
    responses: {
      /** @description The key, bound. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ApiKey"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  unbindKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        prefix: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The key, unbound. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ApiKey"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  revokeKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        prefix: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The revoked key. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ApiKey"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listLicenses: {
    parameters: {
      query?: {
        operator?: string;
        status?: "active" | "suspended" | "expired" | "revoked";
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of licenses and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["LicensesPage"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  grantLicense: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          id: string;
          operator: string;
          purpose: string;
          /** Format: date-time */
          validFrom: string;
          /** Format: date-time */
          validTo: string;
          datasets: {
            name: string;
            columns?: {
              [key: string]: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
            };
            minGroupSize?: number;
            maxContributionsPerUnit?: number;
            epsilon?: {
              /** @default 0.2 */
              perQuery?: number;
              total: number;
              /**
               * @default total
               * @enum {string}
               */
              period?: "total" | "year" | "month" | "day";
            };
          }[];
          /** @default {} */
          quotas?: {
            jobsPerDay?: number;
            queriesPerJob?: number;
            rowsPerQuery?: number;
            outputCells?: number;
          };
          /**
           * @default auto
           * @enum {string}
           */
          releaseMode?: "auto" | "review";
        };
      };
    };
    responses: {
      /** @description Granted. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["LicenseView"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getLicense: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The license. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["LicenseView"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  amendLicense: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          id: string;
          operator: string;
          purpose: string;
          /** Format: date-time */
          validFrom: string;
          /** Format: date-time */
          validTo: string;
          datasets: {
            name: string;
            columns?: {
              [key: string]: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
            };
            minGroupSize?: number;
            maxContributionsPerUnit?: number;
            epsilon?: {
              /** @default 0.2 */
              perQuery?: number;
              total: number;
              /**
               * @default total
               * @enum {string}
               */
              period?: "total" | "year" | "month" | "day";
            };
          }[];
          /** @default {} */
          quotas?: {
            jobsPerDay?: number;
            queriesPerJob?: number;
            rowsPerQuery?: number;
            outputCells?: number;
          };
          /**
           * @default auto
           * @enum {string}
           */
          releaseMode?: "auto" | "review";
        };
      };
    };
    responses: {
      /** @description The amended license. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["LicenseView"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  changeLicenseStatus: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
        action: "suspend" | "reinstate" | "revoke" | "expire";
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          /** @example qualification certificate lapsed */
          reason: string;
        };
      };
    };
    responses: {
      /** @description The license after the change. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["LicenseView"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listApplications: {
    parameters: {
      query?: {
        status?:
          | "awaiting_consent"
          | "awaiting_approval"
          | "approved"
          | "refused"
          | "withdrawn"
          | "expired"
          | "superseded";
        dataset?: string;
        operator?: string;
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of applications with their decisions, and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ApplicationList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  submitApplication: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "datasets": [
         *         {
         *           "name": "population",
         *           "columns": {
         *             "education": "deny"
         *           },
         *           "epsilon": {
         *             "perQuery": 0.5,
         *             "total": 10,
         *             "period": "month"
         *           }
         *         },
         *         {
         *           "name": "enterprises"
         *         }
         *       ],
         *       "purpose": "urban-analytics",
         *       "scenario": "District-level income and employment indicators for the 2026 urban renewal plan.",
         *       "validFrom": "2026-01-01T00:00:00Z",
         *       "validTo": "2026-12-31T23:59:59Z",
         *       "quotas": {
         *         "jobsPerDay": 50
         *       },
         *       "releaseMode": "auto"
         *     }
         */
        "application/json": {
          datasets: {
            name: string;
            columns?: {
              [key: string]: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
            };
            minGroupSize?: number;
            maxContributionsPerUnit?: number;
            epsilon?: {
              /** @default 0.2 */
              perQuery?: number;
              total: number;
              /**
               * @default total
               * @enum {string}
               */
              period?: "total" | "year" | "month" | "day";
            };
          }[];
          purpose: string;
          scenario: string;
          /** Format: date-time */
          validFrom: string;
          /** Format: date-time */
          validTo: string;
          /** @default {} */
          quotas?: {
            jobsPerDay?: number;
            queriesPerJob?: number;
            rowsPerQuery?: number;
            outputCells?: number;
          };
          /**
           * @default auto
           * @enum {string}
           */
          releaseMode?: "auto" | "review";
        };
      };
    };
    responses: {
      /** @description Submitted: awaiting the holders' consent, or the bureau's approval. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Application"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getApplication: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The application. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Application"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  withdrawApplication: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          reason?: string;
        };
      };
    };
    responses: {
      /** @description Withdrawn. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Application"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  amendApplication: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "datasets": [
         *         {
         *           "name": "population",
         *           "columns": {
         *             "education": "deny"
         *           },
         *           "epsilon": {
         *             "perQuery": 0.5,
         *             "total": 10,
         *             "period": "month"
         *           }
         *         },
         *         {
         *           "name": "enterprises"
         *         }
         *       ],
         *       "purpose": "urban-analytics",
         *       "scenario": "District-level income and employment indicators for the 2026 urban renewal plan.",
         *       "validFrom": "2026-01-01T00:00:00Z",
         *       "validTo": "2026-12-31T23:59:59Z",
         *       "quotas": {
         *         "jobsPerDay": 50
         *       },
         *       "releaseMode": "auto"
         *     }
         */
        "application/json": {
          datasets: {
            name: string;
            columns?: {
              [key: string]: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
            };
            minGroupSize?: number;
            maxContributionsPerUnit?: number;
            epsilon?: {
              /** @default 0.2 */
              perQuery?: number;
              total: number;
              /**
               * @default total
               * @enum {string}
               */
              period?: "total" | "year" | "month" | "day";
            };
          }[];
          purpose: string;
          scenario: string;
          /** Format: date-time */
          validFrom: string;
          /** Format: date-time */
          validTo: string;
          /** @default {} */
          quotas?: {
            jobsPerDay?: number;
            queriesPerJob?: number;
            rowsPerQuery?: number;
            outputCells?: number;
          };
          /**
           * @default auto
           * @enum {string}
           */
          releaseMode?: "auto" | "review";
        };
      };
    };
    responses: {
      /** @description The new application. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Application"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  consentToApplication: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "dataset": "population",
         *       "decision": "refuse",
         *       "reason": "household income is out of scope for this purpose"
         *     }
         */
        "application/json": {
          dataset: string;
          /** @enum {string} */
          decision: "consent" | "refuse";
          reason?: string;
        };
      };
    };
    responses: {
      /** @description The application after the decision. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Application"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  decideApplication: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "decision": "approve"
         *     }
         */
        "application/json": {
          /** @enum {string} */
          decision: "approve" | "refuse";
          reason?: string;
        };
      };
    };
    responses: {
      /** @description The application after the decision; `licenseId` once granted. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Application"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  publishPolicy: {
    parameters: {
      query?: {
        note?: string;
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          name: string;
          title: string;
          description: string;
          holder: {
            department: string;
            contact?: string;
          };
          grade: 1 | 2 | 3 | 4;
          /** @enum {string} */
          updateFrequency: "realtime" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";
          privacyUnit: string | null;
          maxContributionsPerUnit?: number;
          minGroupSize?: number;
          coverage?: {
            /** Format: date */
            from: string;
            /** Format: date */
            to: string;
          };
          dominance?: {
            n: number;
            k: number;
            p?: number;
          };
          columns: {
            name: string;
            type:
              | ("BOOLEAN" | "SMALLINT" | "INTEGER" | "BIGINT" | "DOUBLE" | "DATE" | "TIMESTAMP" | "VARCHAR")
              | string;
            meaning: string;
            /** @enum {string} */
            rule: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
            unit?: string;
            /** @enum {string} */
            identifier?:
              | "resident_id"
              | "uscc"
              | "person_name"
              | "organization_name"
              | "phone"
              | "bank_card"
              | "record_id";
            values?: string[];
            bounds?: {
              min: number;
              max: number;
              unitMax?: number;
            };
            dateRange?: {
              /** Format: date */
              from: string;
              /** Format: date */
              to: string;
            };
            dummy?: {
              values?: string[];
              range?: {
                min: number;
                max: number;
              };
              pattern?: string;
              nullRate?: number;
              /** @enum {string} */
              distribution?: "uniform" | "skewed";
            };
          }[];
        };
      };
    };
    responses: {
      /** @description The change only tightens: the new version, in force now. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["PolicyVersion"];
        };
      };
      /** @description The change loosens (or registers a dataset): nothing is applied yet; the proposal awaits a second officer. */
      202: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Proposal"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listPolicyVersions: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of versions (oldest first) and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["PolicyVersionList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getPolicyVersion: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
        version: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The version. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["PolicyVersion"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  diffPolicyVersion: {
    parameters: {
      query: {
        against: number;
      };
      header?: never;
      path: {
        name: string;
        version: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The changes. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["PolicyDiff"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getTariffs: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The tariff in force, a page of versions and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Tariffs"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  setTariffs: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "currency": "CNY",
         *       "perJob": 1,
         *       "perCpuSecond": 0.05,
         *       "perQuery": 0.2,
         *       "perEpsilon": 10,
         *       "perOutputCell": 0.001,
         *       "perThousandRowsScanned": 0.01,
         *       "datasetMultipliers": {
         *         "population": 1.5
         *       },
         *       "note": "2026 prices"
         *     }
         */
        "application/json": {
          /** @enum {string} */
          currency: "CNY";
          /** @default 0 */
          perJob?: number;
          perCpuSecond: number;
          perQuery: number;
          perEpsilon: number;
          perOutputCell: number;
          perThousandRowsScanned: number;
          /** @default {} */
          datasetMultipliers?: {
            [key: string]: number;
          };
          note?: string;
        };
      };
    };
    responses: {
      /** @description The change only raises prices: the new version, in force now. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["TariffVersion"];
        };
      };
      /** @description The change lowers a price: the proposal awaiting a second officer. */
      202: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Proposal"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listProposals: {
    parameters: {
      query?: {
        status?: "pending" | "approved" | "refused" | "withdrawn" | "superseded";
        kind?: "policy" | "tariff" | "unfreeze";
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of proposals and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ProposalList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  createProposal: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "kind": "unfreeze",
         *       "freeze": "frz_8d2a…",
         *       "reason": "the incident that led to the freeze is closed",
         *       "effectiveAt": "2026-07-01T00:00:00Z"
         *     }
         */
        "application/json":
          | {
              /** @enum {string} */
              kind: "policy";
              dataset: string;
              manifest: {
                name: string;
                title: string;
                description: string;
                holder: {
                  department: string;
                  contact?: string;
                };
                grade: 1 | 2 | 3 | 4;
                /** @enum {string} */
                updateFrequency:
                  | "realtime"
                  | "hourly"
                  | "daily"
                  | "weekly"
                  | "monthly"
                  | "quarterly"
                  | "yearly";
                privacyUnit: string | null;
                maxContributionsPerUnit?: number;
                minGroupSize?: number;
                coverage?: {
                  /** Format: date */
                  from: string;
                  /** Format: date */
                  to: string;
                };
                dominance?: {
                  n: number;
                  k: number;
                  p?: number;
                };
                columns: {
                  name: string;
                  type:
                    | (
                        | "BOOLEAN"
                        | "SMALLINT"
                        | "INTEGER"
                        | "BIGINT"
                        | "DOUBLE"
                        | "DATE"
                        | "TIMESTAMP"
                        | "VARCHAR"
                      )
                    | string;
                  meaning: string;
                  /** @enum {string} */
                  rule: "deny" | "join" | "filter" | "aggregate" | "group" | "row" | "plain";
                  unit?: string;
                  /** @enum {string} */
                  identifier?:
                    | "resident_id"
                    | "uscc"
                    | "person_name"
                    | "organization_name"
                    | "phone"
                    | "bank_card"
                    | "record_id";
                  values?: string[];
                  bounds?: {
                    min: number;
                    max: number;
                    unitMax?: number;
                  };
                  dateRange?: {
                    /** Format: date */
                    from: string;
                    /** Format: date */
                    to: string;
                  };
                  dummy?: {
                    values?: string[];
                    range?: {
                      min: number;
                      max: number;
                    };
                    pattern?: string;
                    nullRate?: number;
                    /** @enum {string} */
                    distribution?: "uniform" | "skewed";
                  };
                }[];
              };
              reason: string;
              /** Format: date-time */
              effectiveAt?: string;
            }
          | {
              /** @enum {string} */
              kind: "tariff";
              tariff: {
                /** @enum {string} */
                currency: "CNY";
                /** @default 0 */
                perJob?: number;
                perCpuSecond: number;
                perQuery: number;
                perEpsilon: number;
                perOutputCell: number;
                perThousandRowsScanned: number;
                /** @default {} */
                datasetMultipliers?: {
                  [key: string]: number;
                };
                note?: string;
              };
              reason: string;
              /** Format: date-time */
              effectiveAt?: string;
            }
          | {
              /** @enum {string} */
              kind: "unfreeze";
              freeze: string;
              reason: string;
              /** Format: date-time */
              effectiveAt?: string;
            };
      };
    };
    responses: {
      /** @description The proposal, pending. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Proposal"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getProposal: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The proposal. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Proposal"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  decideProposal: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "decision": "approve",
         *       "reason": "checked against the publication plan"
         *     }
         */
        "application/json": {
          /** @enum {string} */
          decision: "approve" | "refuse";
          reason?: string;
        };
      };
    };
    responses: {
      /** @description The decided proposal. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Proposal"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  withdrawProposal: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        /**
         * @example {
         *       "reason": "superseded by a narrower change"
         *     }
         */
        "application/json": {
          reason?: string;
        };
      };
    };
    responses: {
      /** @description The withdrawn proposal. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Proposal"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listFreezes: {
    parameters: {
      query?: {
        live?: "true" | "false";
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of freezes and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["FreezeList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  imposeFreeze: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "scope": "dataset",
         *       "target": "population",
         *       "reason": "suspected re-identification attempt"
         *     }
         */
        "application/json": {
          /** @enum {string} */
          scope: "domain" | "dataset" | "operator" | "license";
          target?: string;
          reason: string;
        };
      };
    };
    responses: {
      /** @description The freeze, live, and the jobs it stopped. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ImposedFreeze"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getFreeze: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The freeze. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Freeze"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  requestFreezeLift: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "reason": "the operator's access review is complete"
         *     }
         */
        "application/json": {
          reason: string;
          /** Format: date-time */
          effectiveAt?: string;
        };
      };
    };
    responses: {
      /** @description The lifting proposal, pending a second officer. */
      202: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Proposal"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listAuditEntries: {
    parameters: {
      query?: {
        from?: string;
        to?: string;
        job?: string;
        operator?: string;
        license?: string;
        dataset?: string;
        /** @description An event type, a family such as `output.*`, or a comma-separated list. */
        type?: string;
        after?: number | null;
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Entries and the `after` value of the next page, if any. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AuditPage"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  verifyAuditLog: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The verification. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AuditVerification"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getDomainPublicKey: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description PEM and fingerprint. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DomainPublicKey"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  createAuditCheckpoint: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The signed checkpoint (null when the log has no entry since the last one). */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AuditCheckpoint"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  exportAuditLog: {
    parameters: {
      query?: {
        from?: string;
        to?: string;
        job?: string;
        operator?: string;
        license?: string;
        dataset?: string;
        /** @description An event type, a family such as `output.*`, or a comma-separated list. */
        type?: string;
        after?: number | null;
        limit?: number;
        /** @description Overrides `Accept` (`text/csv`: CSV; anything else: JSON lines). */
        format?: "jsonl" | "csv";
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The export. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/x-ndjson": string;
          "text/csv": string;
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getUsage: {
    parameters: {
      query?: {
        from?: string;
        to?: string;
        groupBy?: "day" | "month";
        operator?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Usage lines and totals. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["UsageReport"];
          "text/csv": string;
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listStatements: {
    parameters: {
      query?: {
        period?: string;
        party?: string;
        kind?: "operator" | "holder";
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of statements and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["StatementList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  issueStatement: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "period": "2026-11",
         *       "party": {
         *         "kind": "operator",
         *         "id": "ope_4f2a…"
         *       }
         *     }
         */
        "application/json": {
          period: string;
          party: {
            /** @enum {string} */
            kind: "operator" | "holder";
            id: string;
          };
        };
      };
    };
    responses: {
      /** @description The statement issued earlier for this month and party: recomputation gave the same body. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Statement"];
        };
      };
      /** @description The statement, issued now (its `statement.issued` entry names its hash). */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Statement"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getStatement: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The statement. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Statement"];
          "text/csv": string;
          "application/pdf": string;
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  verifyStatement: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The verification: `valid`, each check, and the figures that differ. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["StatementVerification"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listNotifications: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
        after?: number | null;
        /** @description Deprecated alias of paging back from a notification id: pass `cursor` (a page's `next`). */
        before?: number;
        unread?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of the inbox. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["InboxPage"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  markAllNotificationsRead: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @example 42 */
          upTo?: number;
        };
      };
    };
    responses: {
      /** @description How many were marked. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["InboxMarked"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  markNotificationRead: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The notification. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Notification"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  streamNotifications: {
    parameters: {
      query?: {
        after?: number | null;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description An event stream that lasts until the client disconnects. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "text/event-stream": string;
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listWebhooks: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of webhooks and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["WebhookList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  registerWebhook: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          /** @example https://hooks.example.org/aos */
          url: string;
          /**
           * @example [
           *       "review.awaiting"
           *     ]
           */
          kinds?: (
            | "application.awaiting_consent"
            | "application.awaiting_approval"
            | "application.decided"
            | "proposal.awaiting_approval"
            | "proposal.decided"
            | "freeze.imposed"
            | "freeze.lifted"
            | "policy.changed"
            | "dataset.version_supplied"
            | "review.awaiting"
            | "review.decided"
            | "license.expiring"
            | "alert.raised"
            | "credit.violation"
            | "credit.penalty"
            | "credit.objection"
            | "credit.decision"
            | "operator.exited"
            | "quality_issue.reported"
            | "quality_issue.answered"
          )[];
        };
      };
    };
    responses: {
      /** @description Registered; keep the secret, it is not shown again. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RegisteredWebhook"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many webhooks already. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  removeWebhook: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The removed webhook. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Webhook"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listWebhookDeliveries: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of deliveries and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["WebhookDeliveryList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listAlerts: {
    parameters: {
      query?: {
        status?: "open" | "closed";
        rule?: "refusal_burst" | "budget_burn" | "differencing" | "auth_failures";
        operator?: string;
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of alerts and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AlertList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getAlert: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The alert. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AlertDetail"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  closeAlert: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          resolution: string;
        };
      };
    };
    responses: {
      /** @description The closed alert. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Alert"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listQualityIssues: {
    parameters: {
      query?: {
        status?: "open" | "accepted" | "rejected" | "resolved" | "closed";
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of issues and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QualityIssueList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  reportQualityIssue: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "column": "pm25",
         *       "category": "missing_values",
         *       "summary": "station S04 has no PM2.5 readings after March",
         *       "exampleQuery": "SELECT station, count(pm25) AS readings FROM air_quality GROUP BY station"
         *     }
         */
        "application/json": {
          column?: string;
          /** @enum {string} */
          category: "missing_values" | "wrong_values" | "stale" | "inconsistent" | "other";
          summary: string;
          exampleQuery?: string;
          license?: string;
        };
      };
    };
    responses: {
      /** @description The issue, open. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QualityIssue"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The example query is refused by the query gate. */
      422: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getQualitySummary: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The summary. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QualitySummary"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getQualityIssue: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The issue. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QualityIssue"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  answerQualityIssue: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "decision": "rejected",
         *       "reason": "the station was decommissioned in March; no readings are expected"
         *     }
         */
        "application/json": {
          /** @enum {string} */
          decision: "accepted" | "rejected";
          reason?: string;
        };
      };
    };
    responses: {
      /** @description The issue after the step. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QualityIssue"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  resolveQualityIssue: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "version": 3,
         *       "note": "back-filled from the station's logger"
         *     }
         */
        "application/json": {
          version: number;
          note?: string;
        };
      };
    };
    responses: {
      /** @description The issue after the step. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QualityIssue"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  confirmQualityIssue: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /** @example {} */
        "application/json": {
          reason?: string;
        };
      };
    };
    responses: {
      /** @description The issue after the step. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QualityIssue"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  reopenQualityIssue: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "reason": "readings are still missing for April"
         *     }
         */
        "application/json": {
          reason?: string;
        };
      };
    };
    responses: {
      /** @description The issue after the step. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QualityIssue"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listRegistrations: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of registrations and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RegistrationList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  registerDataAsset: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "dataset": "air_quality",
         *       "rights": [
         *         "holding",
         *         "processing"
         *       ],
         *       "note": "registered with the municipal data-asset register, entry 2026-0412"
         *     }
         */
        "application/json": {
          dataset: string;
          rights: ("holding" | "processing" | "operating")[];
          note?: string;
        };
      };
    };
    responses: {
      /** @description The registration. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Registration"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getRegistration: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        dataset: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The registration. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Registration"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  amendRegistration: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        dataset: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "rights": [
         *         "holding",
         *         "processing",
         *         "operating"
         *       ],
         *       "note": "operating right granted"
         *     }
         */
        "application/json": {
          rights?: ("holding" | "processing" | "operating")[];
          note: string;
        };
      };
    };
    responses: {
      /** @description The registration. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Registration"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listProducts: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of products and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ProductList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  createProduct: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "name": "district-air-index",
         *       "job": "job_1a2b…",
         *       "terms": "For urban-planning use; attribution to the city data bureau required.",
         *       "priceFen": 50000
         *     }
         */
        "application/json": {
          name: string;
          job: string;
          terms: string;
          priceFen: number;
        };
      };
    };
    responses: {
      /** @description The product, listed. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Product"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getProduct: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The product. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Product"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  delistProduct: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "reason": "superseded by version 2"
         *     }
         */
        "application/json": {
          reason: string;
        };
      };
    };
    responses: {
      /** @description The product, delisted. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Product"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  subscribeToProduct: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The subscription. */
      201: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Subscription"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object's current state does not allow the change. */
      409: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getProductOutput: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The output. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OutputTable"];
          "text/csv": string;
          "application/vnd.apache.arrow.stream": components["schemas"]["ArrowStream"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid API key. */
      401: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description The scheme to authenticate with: `Bearer`. */
          "www-authenticate"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The key's role may not use this route. */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many requests. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listOpenDatasets: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The open datasets. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OpenDatasetList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The dataset is not open data (grade 2 or above). */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A freeze holds the dataset. */
      423: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description This address made too many public requests; see Retry-After. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getOpenDatasetRows: {
    parameters: {
      query?: {
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of rows. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OpenDataRows"];
          "text/csv": string;
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The dataset is not open data (grade 2 or above). */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No such object visible to the caller. */
      404: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A freeze holds the dataset. */
      423: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description This address made too many public requests; see Retry-After. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  listRegisteredLicenses: {
    parameters: {
      query?: {
        /** @description Items per page, 1–500; default 50. */
        limit?: number;
        /** @description The `next` value of the previous page, unchanged; omit it for the first page. A cursor from another list, or altered, answers 400. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of the register and the cursor of the next. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RegisteredLicenseList"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The dataset is not open data (grade 2 or above). */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A freeze holds the dataset. */
      423: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description This address made too many public requests; see Retry-After. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  getPublicUsage: {
    parameters: {
      query: {
        month: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The month's statistics. */
      200: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MonthlyUsage"];
        };
      };
      /** @description The request is malformed or fails validation. */
      400: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The dataset is not open data (grade 2 or above). */
      403: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A freeze holds the dataset. */
      423: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description This address made too many public requests; see Retry-After. */
      429: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Internal error (no data in the message). */
      500: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Starting up or shutting down. */
      503: {
        headers: {
          /** @description The request's id; quote it when reporting a problem. */
          "x-request-id"?: string;
          /** @description Seconds to wait before trying again. */
          "retry-after"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
}
