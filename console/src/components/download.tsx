import { useState } from "react";
import { apiFile, errorMessage } from "../api.ts";
import { useI18n } from "../i18n.ts";
import { ErrorBox } from "./common.tsx";

/** One format a resource is downloaded in: the Accept header that asks for it, and the file's name. */
export interface DownloadFormat {
  /** Names the button (`data-download`) for tests and styles. */
  readonly id: string;
  readonly label: string;
  readonly accept: string;
  /** Used when the gateway names no file (`content-disposition`). */
  readonly filename: string;
}

/**
 * Buttons that download one resource of the API in each of its formats: the file is fetched with
 * the session cookie, as every call is (a plain link could not send the Accept header), and saved
 * with the bytes the gateway sent.
 */
export function Downloads(props: { path: string; formats: readonly DownloadFormat[] }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const download = async (format: DownloadFormat) => {
    setBusy(format.id);
    setError(undefined);
    try {
      const file = await apiFile(props.path, format.accept);
      saveFile(file.blob, file.filename ?? format.filename);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <>
      <div className="downloads">
        {props.formats.map((format) => (
          <button
            key={format.id}
            type="button"
            className="secondary"
            data-download={format.id}
            disabled={busy !== undefined}
            onClick={() => download(format)}
          >
            {busy === format.id ? t("common.downloading") : format.label}
          </button>
        ))}
      </div>
      {error && <ErrorBox message={error} />}
    </>
  );
}

/** Hands bytes to the browser's downloads: a link to an object URL, marked `download`, followed once. */
function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The download reads the blob after the click returns: the URL is released a while later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
