/**
 * CSV as RFC 4180 has it: comma-separated, fields optionally in double quotes (a quote inside doubled;
 * commas and line breaks allowed inside), CRLF or LF between records, a UTF-8 BOM ignored. Adestra also
 * auto-detects tab, pipe and semicolon files; the sandbox reads commas only.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const input = text.startsWith("\uFEFF") ? text.slice(1) : text;

  for (let i = 0; i < input.length; i++) {
    const char = input[i];
    if (quoted) {
      if (char !== '"') field += char;
      else if (input[i + 1] === '"') field += input[++i];
      else quoted = false;
    } else if (char === '"' && field === "") {
      quoted = true;
    } else if (char === ",") {
      row.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && input[i + 1] === "\n") i++;
      rows.push([...row, field]);
      row = [];
      field = "";
    } else {
      field += char;
    }
  }
  if (quoted) throw new Error("the file ends inside a quoted field");
  if (row.length || field) rows.push([...row, field]);
  // Blank lines (a trailing newline included) are not records.
  return rows.filter((cells) => cells.length > 1 || cells[0] !== "");
}
