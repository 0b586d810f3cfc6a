/**
 * The /docs page: the API reference rendered on the server from the OpenAPI document. It loads no
 * script, style or font from anywhere — a secure domain's pages must not pull third-party code
 * (the common hosted reference UIs fetch their bundle from a CDN).
 */

interface Operation {
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly security?: readonly unknown[];
  readonly parameters?: ReadonlyArray<{ name: string; in: string; required?: boolean; description?: string }>;
  readonly requestBody?: { content?: Record<string, unknown> };
  readonly responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
}

interface OpenApiDocument {
  readonly info: { title: string; version: string; description?: string };
  readonly paths?: Record<string, Record<string, Operation>>;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Renders the reference page of an OpenAPI document. */
export function renderDocsPage(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "other";
      const params = (op.parameters ?? [])
        .map(
          (p) =>
            `<li><code>${escapeHtml(p.name)}</code> <small>(${escapeHtml(p.in)}${p.required ? ", required" : ""})</small>${p.description ? ` — ${escapeHtml(p.description)}` : ""}</li>`,
        )
        .join("");
      const body = op.requestBody?.content ? Object.keys(op.requestBody.content).map(escape).join(", ") : "";
      const responses = Object.entries(op.responses ?? {})
        .map(
          ([status, r]) =>
            `<li><code>${escapeHtml(status)}</code> ${escapeHtml(r.description ?? "")}${r.content ? ` <small>${Object.keys(r.content).map(escape).join(", ")}</small>` : ""}</li>`,
        )
        .join("");
      const html = `<section id="${escapeHtml(`${method}-${path}`)}">
  <h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
  ${op.summary ? `<p>${escapeHtml(op.summary)}</p>` : ""}${op.description ? `<p class="d">${escapeHtml(op.description)}</p>` : ""}
  <p><small>${op.security?.length ? "Authorization: Bearer &lt;API key&gt;" : "No authentication"}</small></p>
  ${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ""}${body ? `<h4>Body</h4><p><code>${body}</code></p>` : ""}
  <h4>Responses</h4><ul>${responses}</ul>
</section>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const toc = [...byTag.keys()]
    .map((tag) => `<a href="#tag-${escapeHtml(tag)}">${escapeHtml(tag)}</a>`)
    .join(" · ");
  const sections = [...byTag.entries()]
    .map(([tag, ops]) => `<h2 id="tag-${escapeHtml(tag)}">${escapeHtml(tag)}</h2>${ops.join("\n")}`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} — API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code{font:13px ui-monospace,monospace;background:#f2f2f4;padding:.1rem .3rem;border-radius:3px}
section{border-top:1px solid #ddd;padding:.5rem 0}h3{margin:.5rem 0}.d{color:#555}
.m{font:bold 12px ui-monospace,monospace;padding:.15rem .4rem;border-radius:3px;color:#fff;background:#555}
.get{background:#2e7d32}.post{background:#1565c0}.put{background:#6a1b9a}.delete{background:#c62828}.patch{background:#ef6c00}
</style></head><body>
<h1>${escapeHtml(doc.info.title)} <small>v${escapeHtml(doc.info.version)}</small></h1>
${doc.info.description ? `<p>${escapeHtml(doc.info.description)}</p>` : ""}
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are <code>application/problem+json</code> with a stable <code>code</code>.</p>
<nav>${toc}</nav>
${sections}
</body></html>`;
}
