import { formatFen, type StatementDocument, statementDigestOf } from "../policies/statement.ts";

/**
 * A printable PDF of a settlement statement: a small PDF 1.4 text writer, so printing needs no
 * dependency. Latin text is set in Courier (a standard font every reader has); other text (the
 * holder departments' Chinese names) in STSong-Light, the predefined Adobe-GB1 CJK font, written
 * as UCS-2: neither is embedded. The output depends on the statement alone, byte for byte. The
 * JSON export stays the signed original; the PDF shows its hash and signature for reference.
 */

const PAGE = { width: 842, height: 595 }; // A4 landscape, in points
const MARGIN = 36;
const SIZE = 8;
const LEADING = 11;
const LINES_PER_PAGE = Math.floor((PAGE.height - 2 * MARGIN) / LEADING) - 1;
/** Courier's advance is 0.6 em; the CJK font's, a full em. */
const widthOf = (text: string) => [...text].reduce((w, ch) => w + (ch <= "~" ? 0.6 : 1), 0) * SIZE;

/** One line of the page: cells at x offsets (points from the left margin). */
type Line = readonly { readonly x: number; readonly text: string; readonly bold?: boolean }[];

/** `text` cut to fit `width` points, marked with "~" where it was cut. */
function fitted(text: string, width: number): string {
  if (widthOf(text) <= width) return text;
  let out = "";
  for (const ch of text) {
    if (widthOf(`${out}${ch}~`) > width) break;
    out += ch;
  }
  return `${out}~`;
}

/** A table: column headers and widths (points), rows of cells; numbers right-aligned. */
function table(
  columns: readonly { title: string; width: number; right?: boolean }[],
  rows: readonly string[][],
) {
  const offsets = columns.map((_, i) => columns.slice(0, i).reduce((x, c) => x + c.width, 0));
  const place = (cells: readonly string[], bold = false): Line =>
    cells.map((cell, i) => {
      const column = columns[i]!;
      const text = fitted(cell, column.width - SIZE);
      const x = offsets[i]! + (column.right ? column.width - SIZE - widthOf(text) : 0);
      return { x, text, bold };
    });
  return [
    place(
      columns.map((c) => c.title),
      true,
    ),
    ...rows.map((row) => place(row)),
  ];
}

const plain = (text: string, bold = false): Line => [{ x: 0, text, bold }];

/** The statement laid out as lines: heading, figures, totals, method, hash and signature. */
function layout(document: StatementDocument): Line[] {
  const body = document.statement;
  const digest = statementDigestOf(document);
  const owes = body.party.kind === "operator";
  const lines: Line[] = [
    plain(
      `Settlement statement ${body.period}: ${owes ? "what the operator owes" : "what the department's data earned"}`,
      true,
    ),
    plain(`${owes ? "Operator" : "Holder department"}: ${body.party.id}`),
    plain(`Period: ${body.from} to ${body.to} (calendar month, UTC; jobs by submission time)`),
    plain(`Statement ${document.id}, issued ${document.issuedAt} by ${document.issuedBy}`),
    plain(
      `Priced under tariff version(s) ${body.tariffVersions.join(", ") || "none"}; ${body.jobs.count} job(s); amounts in CNY (the JSON carries whole fen)`,
    ),
    plain(""),
  ];
  const money = { right: true, width: 80 };
  const count = { right: true, width: 40 };
  const rows = (body.lines as readonly Record<string, unknown>[]).map((l) => [
    ...(owes
      ? [String(l.license), l.dataset === null ? "(no dataset)" : String(l.dataset), String(l.holder ?? "-")]
      : [String(l.dataset), String(l.operator)]),
    String(l.basis),
    String(l.jobs),
    String(l.rowsScanned),
    String(l.charge),
  ]);
  const total = [
    ...(owes ? ["Total", "", ""] : ["Total", ""]),
    "",
    String(body.totals.jobs),
    String(body.totals.rowsScanned),
    formatFen(body.totals.chargeFen),
  ];
  const keyColumns = owes
    ? [
        { title: "License", width: 205 },
        { title: "Dataset", width: 95 },
        { title: "Holder department", width: 190 },
      ]
    : [
        { title: "Dataset", width: 110 },
        { title: "Operator", width: 380 },
      ];
  lines.push(
    ...table(
      [
        ...keyColumns,
        { title: "Basis", width: 70 },
        { title: "Jobs", ...count },
        { title: "Rows scanned", ...money },
        { title: "Charge CNY", ...money },
      ],
      [...rows, total],
    ),
  );
  lines.push(
    plain(""),
    plain(
      "Method: each job is priced under the tariff in force at its submission, in whole fen, and divided between the datasets it read",
    ),
    plain(
      "in proportion to the rows of each its queries scanned (basis rows_scanned); a job that scanned nothing attributable is divided",
    ),
    plain(
      "evenly (basis even). Parts are rounded by the largest-remainder method, so they add up exactly to each job's charge.",
    ),
    plain(""),
    plain(`${digest.algorithm === "sm3" ? "SM3" : "SHA-256"} of the statement body (canonical JSON):`, true),
    plain(digest.hex),
    plain(
      `${body.key.startsWith("sm3:") ? "SM2" : "Ed25519"} signature of the domain key over the body (base64url):`,
      true,
    ),
    plain(document.signature),
    plain(`Signing key: ${body.key}`),
    plain("Verify the JSON export: aos statement verify STATEMENT.json --public-key domain-key.pub.pem"),
  );
  return lines;
}

/** A PDF literal string of Courier text (printable ASCII only reaches here). */
const latin = (text: string) => `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;

/** A hex string of UCS-2 code units for the CJK font (astral characters as a replacement mark). */
const ucs2 = (text: string) =>
  `<${[...text]
    .map((ch) => {
      const code = ch.codePointAt(0)!;
      return (code > 0xffff ? 0xfffd : code).toString(16).padStart(4, "0");
    })
    .join("")}>`;

/** Content stream operators for one line at height y: runs of Latin and CJK text, each placed. */
function lineOps(line: Line, y: number): string {
  const ops: string[] = [];
  for (const cell of line) {
    let x = MARGIN + cell.x;
    for (const run of cell.text.match(/[ -~]+|[^ -~]+/g) ?? []) {
      const cjk = run[0]! > "~";
      const font = cjk ? "/F3" : cell.bold ? "/F2" : "/F1";
      ops.push(
        `BT ${font} ${SIZE} Tf ${x.toFixed(2)} ${y.toFixed(2)} Td ${cjk ? ucs2(run) : latin(run)} Tj ET`,
      );
      x += widthOf(run);
    }
  }
  return ops.join("\n");
}

/**
 * The statement as PDF 1.4 bytes: A4 landscape pages of text, numbered.
 *
 * @example
 * await writeFile("statement.pdf", statementPdf(await getStatement(store, actor, id)));
 */
export function statementPdf(document: StatementDocument): Uint8Array {
  const lines = layout(document);
  const digest = statementDigestOf(document);
  const pages: Line[][] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_PAGE) pages.push(lines.slice(i, i + LINES_PER_PAGE));
  // Objects: 1 catalog, 2 page tree, 3–5 fonts, 6 CJK descendant font, 7 info, then a page and its contents per page.
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 8 + i * 2);
  objects[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pages.length} >>`;
  objects[3] = "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>";
  objects[4] = "<< /Type /Font /Subtype /Type1 /BaseFont /Courier-Bold /Encoding /WinAnsiEncoding >>";
  objects[5] =
    "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>";
  objects[6] =
    "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >> /DW 1000 >>";
  const title = `Settlement statement ${document.statement.period} ${document.statement.party.kind}`;
  const created = document.issuedAt.replace(/[-:T]/g, "").slice(0, 14);
  objects[7] = `<< /Title ${latin(title)} /Producer (aos) /CreationDate (D:${created}Z) >>`;
  pages.forEach((page, i) => {
    const footer: Line = [
      { x: 0, text: `${document.id}  ${digest.algorithm} ${digest.hex}  page ${i + 1} of ${pages.length}` },
    ];
    const stream = [
      ...page.map((line, n) => lineOps(line, PAGE.height - MARGIN - SIZE - n * LEADING)),
      lineOps(footer, MARGIN - SIZE),
    ]
      .filter(Boolean)
      .join("\n");
    objects[pageIds[i]!] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.width} ${PAGE.height}] /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> /Contents ${pageIds[i]! + 1} 0 R >>`;
    objects[pageIds[i]! + 1] =
      `<< /Length ${Buffer.byteLength(stream, "latin1")} >>\nstream\n${stream}\nendstream`;
  });
  // Every character is one latin1 byte (non-Latin text went out as hex), so offsets are byte offsets.
  let out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(out, "latin1");
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 7 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, "latin1"));
}
