/**
 * Names, metadata and error bodies come from untrusted files and servers. Printed raw, an escape sequence inside a
 * tensor name or a saved HTML page could rewrite the user's terminal, and a bidirectional override could show a
 * name reversed ("…gpj.exe"), so C0/C1 controls, DEL and the bidi controls are shown escaped.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === "\t") return "\\t";
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}
