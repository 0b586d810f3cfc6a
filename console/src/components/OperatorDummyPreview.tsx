import { api } from "../api.ts";
import { useI18n } from "../i18n.ts";
import type { OutputTable } from "../types.ts";
import { RowsTable, Show, useLoad } from "./common.tsx";
import { ScrollRegion } from "./OperatorScrollRegion.tsx";

const PREVIEW_ROWS = 20;

/**
 * Synthetic rows of a dataset (GET /v1/datasets/{name}/dummy), made from its manifest alone, to
 * write and try scripts against. Labelled as synthetic wherever it is shown.
 */
export function DummyPreview(props: { name: string }) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad(
    () =>
      api<OutputTable>(`/v1/datasets/${encodeURIComponent(props.name)}/dummy`, {
        query: { rows: PREVIEW_ROWS },
      }),
    [props.name],
  );
  return (
    <section className="op-dummy" aria-labelledby="dummy-title" data-testid="dummy-preview">
      <h2 id="dummy-title">
        {t("op.dummy.title")} <span className="badge warn">{t("op.dummy.badge")}</span>
      </h2>
      <p className="muted">{t("op.dummy.intro", { n: PREVIEW_ROWS })}</p>
      <Show loaded={loaded} retry={reload}>
        {(rows) => (
          <ScrollRegion label={t("op.dummy.caption", { name: props.name })}>
            <RowsTable rows={rows} caption={t("op.dummy.caption", { name: props.name })} />
          </ScrollRegion>
        )}
      </Show>
    </section>
  );
}
