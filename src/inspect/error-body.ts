/** Enough of a quoted error to recognise it ("Unauthorized: The creator of this asset requires…") on one line. */
const QUOTE_MAX_CHARS = 200;

function oneLine(text: string): string {
  const collapsed = text.replace(/\s+/g, " ").trim();
  const chars = [...collapsed];
  return chars.length <= QUOTE_MAX_CHARS ? collapsed : `${chars.slice(0, QUOTE_MAX_CHARS - 1).join("")}…`;
}

function firstLine(text: string): string {
  return oneLine(text.split(/\r?\n/).find((line) => line.trim() !== "") ?? "");
}

const asText = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value : null);

/**
 * What a downloader saved instead of the model, quoted for the user: the `error`/`message` of a JSON body (Civitai's
 * download endpoint answers an anonymous request for a login-only file with
 * `{"error":"Unauthorized","message":"The creator of this asset requires you to be logged in…"}`), the `<title>` of an
 * HTML page (a login or Cloudflare page), else the first line.
 */
export function quoteErrorBody(text: string, kind: "html" | "json"): string {
  if (kind === "json") {
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body === "object" && body !== null && !Array.isArray(body)) {
        const record = body as Record<string, unknown>;
        const nested =
          typeof record.error === "object" && record.error !== null ? (record.error as Record<string, unknown>) : null;
        const error = asText(record.error) ?? asText(nested?.message) ?? asText(nested?.code);
        const message = asText(record.message);
        const quoted = [error, message].filter((part) => part !== null).join(": ");
        if (quoted !== "") return oneLine(quoted);
      }
    } catch {
      // Not valid JSON after all (cut short, or only JSON-like): quote its first line.
    }
    return firstLine(text);
  }
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  return title !== undefined && title.trim() !== "" ? oneLine(title) : firstLine(text);
}
