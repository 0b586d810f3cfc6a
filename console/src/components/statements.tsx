/**
 * How a settlement statement reads in the console: its party, its digest named by its algorithm,
 * its lines and totals, and the server's verification of it (docs/settlement.md).
 */
import { useI18n } from "../i18n.ts";
import type {
  HolderStatementLine,
  OperatorStatementLine,
  StatementBody,
  StatementDigest,
  StatementParty,
  StatementVerification,
} from "../types-settlement.ts";

/** The digest a statement (or its `jobs`) carries and its algorithm: `sm3` in the `sm` profile, else `sha256`. */
export function statementDigestOf(value: StatementDigest): { algorithm: "sha256" | "sm3"; hex: string } {
  return "sm3" in value ? { algorithm: "sm3", hex: value.sm3 } : { algorithm: "sha256", hex: value.sha256 };
}

/** Hex digits of a shortened digest: enough to tell statements apart at a glance. */
const SHORT_DIGEST = 12;

/**
 * A digest as `algorithm:hex`, the way key fingerprints are written; `short` shows its first
 * digits only (the whole is in the title, and on the statement's own page).
 */
export function DigestText(props: { digest: StatementDigest; short?: boolean }) {
  const { algorithm, hex } = statementDigestOf(props.digest);
  return props.short ? (
    <code className="mono small" title={`${algorithm}:${hex}`} data-algorithm={algorithm}>
      {algorithm}:{hex.slice(0, SHORT_DIGEST)}…
    </code>
  ) : (
    <code className="mono small wrap" data-algorithm={algorithm}>
      {algorithm}:{hex}
    </code>
  );
}

/** Who a statement is for: an operator (by id) or a holder department (by name). */
export function PartyText(props: { party: StatementParty }) {
  const { t } = useI18n();
  const { kind, id } = props.party;
  return (
    <>
      <span className="badge">{t(`role.${kind}`)}</span>{" "}
      <span className={kind === "operator" ? "mono small" : undefined}>{id}</span>
    </>
  );
}

type OperatorStatementBody = Extract<StatementBody, { party: { kind: "operator" } }>;

const isOperatorStatement = (body: StatementBody): body is OperatorStatementBody =>
  body.party.kind === "operator";

/** The figures every line has, after the columns that say what it is. */
function LineFigures(props: { line: OperatorStatementLine | HolderStatementLine }) {
  const { t, number } = useI18n();
  const { line } = props;
  return (
    <>
      <td>{t(`stm.basis.${line.basis}`)}</td>
      <td className="num">{number(line.jobs)}</td>
      <td className="num">{number(line.rowsScanned)}</td>
      <td className="num">¥{line.charge}</td>
    </>
  );
}

/** A statement's lines and its totals: an operator's per license × dataset, a department's per dataset × operator. */
export function StatementLines(props: { body: StatementBody }) {
  const { t, number } = useI18n();
  const { body } = props;
  const keyColumns = isOperatorStatement(body)
    ? (["stm.line.license", "stm.line.dataset", "stm.line.holder"] as const)
    : (["stm.line.dataset", "stm.line.operator"] as const);
  const rows = isOperatorStatement(body)
    ? body.lines.map((line) => (
        <tr
          key={`${line.license}|${line.dataset}|${line.holder}|${line.basis}`}
          data-line={line.dataset ?? ""}
        >
          <th scope="row" className="mono small">
            {line.license}
          </th>
          <td className={line.dataset === null ? "muted" : "mono"}>
            {line.dataset ?? t("stm.line.noDataset")}
          </td>
          <td>{line.holder ?? "—"}</td>
          <LineFigures line={line} />
        </tr>
      ))
    : body.lines.map((line) => (
        <tr key={`${line.dataset}|${line.operator}|${line.basis}`} data-line={line.dataset}>
          <th scope="row" className="mono">
            {line.dataset}
          </th>
          <td className="mono small">{line.operator}</td>
          <LineFigures line={line} />
        </tr>
      ));
  return (
    <>
      <div className="table-wrap">
        <table className="stm-lines">
          <caption>{t("stm.lines.caption", { period: body.period })}</caption>
          <thead>
            <tr>
              {keyColumns.map((key) => (
                <th scope="col" key={key}>
                  {t(key)}
                </th>
              ))}
              <th scope="col">{t("stm.line.basis")}</th>
              <th scope="col" className="num">
                {t("stm.line.jobs")}
              </th>
              <th scope="col" className="num">
                {t("stm.line.rows")}
              </th>
              <th scope="col" className="num">
                {t("stm.line.charge")}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={keyColumns.length + 4} className="muted">
                  {t("stm.lines.empty")}
                </td>
              </tr>
            ) : (
              rows
            )}
          </tbody>
          <tfoot>
            <tr className="stm-total">
              <th scope="row" colSpan={keyColumns.length + 1}>
                {t("stm.lines.total")}
              </th>
              <td className="num">{number(body.totals.jobs)}</td>
              <td className="num">{number(body.totals.rowsScanned)}</td>
              <td className="num">¥{body.totals.charge}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <p className="muted small">{t("stm.lines.note")}</p>
    </>
  );
}

/** A figure of a difference as the API gave it: numbers and text as they are, anything else as JSON. */
const figure = (value: unknown): string =>
  value === undefined || value === null
    ? "—"
    : typeof value === "string" || typeof value === "number"
      ? String(value)
      : JSON.stringify(value);

/** The server's verification: valid or not, each check passed or failed with its detail, and the figures that differ. */
export function StatementVerificationReport(props: { verification: StatementVerification }) {
  const { t, number } = useI18n();
  const { valid, checks, differences } = props.verification;
  const failed = checks.filter((check) => !check.ok).length;
  return (
    <div className={valid ? "verify ok stm-verify" : "verify bad stm-verify"} data-valid={String(valid)}>
      <p>
        <strong>{valid ? "✓ " : "✗ "}</strong>
        {valid ? t("stm.verify.valid") : t("stm.verify.invalid", { n: failed })}
      </p>
      <ul className="stm-checks">
        {checks.map((check) => (
          <li key={check.check} data-check={check.check} data-ok={String(check.ok)}>
            <span className={check.ok ? "badge ok" : "badge bad"}>
              {check.ok ? `✓ ${t("stm.check.ok")}` : `✗ ${t("stm.check.failed")}`}
            </span>{" "}
            <strong>{t(`stm.check.${check.check}`)}</strong>{" "}
            <code className="mono small">({check.check})</code>: {check.detail}
          </li>
        ))}
      </ul>
      {differences !== undefined &&
        (differences.length === 0 ? (
          <p data-testid="no-differences">{t("stm.verify.noDifferences")}</p>
        ) : (
          <div className="table-wrap">
            <table className="stm-differences">
              <caption>{t("stm.verify.differences", { n: number(differences.length) })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("stm.diff.path")}</th>
                  <th scope="col" className="num">
                    {t("stm.diff.issued")}
                  </th>
                  <th scope="col" className="num">
                    {t("stm.diff.recomputed")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {differences.map((difference) => (
                  <tr key={difference.path} data-path={difference.path}>
                    <th scope="row" className="mono small">
                      {difference.path}
                    </th>
                    <td className="num mono small">{figure(difference.issued)}</td>
                    <td className="num mono small">{figure(difference.recomputed)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </div>
  );
}
