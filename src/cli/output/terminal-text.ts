/**
 * Names, metadata and error bodies come from untrusted files. Printed raw, an escape sequence inside a tensor
 * name or a saved HTML page could rewrite the user's terminal, so C0/C1 controls (and DEL) are shown escaped.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === "\t") return "\\t";
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}
