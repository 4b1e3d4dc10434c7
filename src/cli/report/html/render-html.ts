import { createHash } from "node:crypto";
import { PAGE_CSS, PAGE_SCRIPT } from "./page-assets.js";
import type { HtmlReportData } from "./report-model.js";

/** `'sha256-…'` source expression allowing exactly this inline text under the page's CSP. */
function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/**
 * JSON that stays data inside `<script type="application/json">`: `<`, `>` and `&` cannot open a tag or close the
 * script element, and U+2028/2029 are escaped for old parsers. The JSON value is unchanged.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * One self-contained page: no network, no external script, style, font or image. The CSP allows only this page's
 * own style and script (by hash) and `data:` images; file names and metadata arrive as JSON and are rendered as text.
 */
export function renderHtmlReport(data: HtmlReportData): string {
  const csp = [
    "default-src 'none'",
    "img-src data:",
    `style-src ${cspHash(PAGE_CSS)}`,
    `script-src ${cspHash(PAGE_SCRIPT)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header><h1 id="title">${escapeHtml(data.title)}</h1><div class="sub" id="subtitle"></div><p id="summary"></p></header>
<nav id="filters"><span class="muted" id="shown"></span></nav>
<noscript><p>This report lists its files with a small script of its own; enable JavaScript for this file to see them.</p></noscript>
<main id="rows"></main>
<footer id="notes"></footer>
<script type="application/json" id="report-data">${scriptSafeJson(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
