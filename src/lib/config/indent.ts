/**
 * Explains YAML indentation mistakes. When a line is indented wrongly, the YAML parser notices
 * somewhere after it and in its own terms ("Nested mappings are not allowed in compact mappings",
 * "Sequence item without - indicator"), often several times for one mistake and on a neighbouring
 * line. This scan finds the first line whose indentation matches none of the blocks open above it
 * and names the line it should line up with. It is a heuristic, used only after the parser has
 * reported a structural error; when it finds nothing the parser's own messages are kept.
 */

export interface BadIndent {
  /** 1-based line and column of the misindented line's first character. */
  line: number;
  column: number;
  /** Its first token, e.g. `static_configs:` or `- job_name:`. */
  text: string;
  /** Where it should start (1-based), and the line it should line up with. */
  expectedColumn: number;
  alignLine: number;
  alignText: string;
  /** The line above is `key: value` and this one looks like a key deeper in: a missing nesting. */
  continuation: boolean;
}

interface Level {
  /** 0-based indentation of the block's entries. */
  ind: number;
  line: number;
  text: string;
}

/** Text without a trailing comment (a `#` at the start or after a space, outside quotes). */
function stripComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s[{,:-]/.test(s[i - 1]!)) q = c;
    } else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) {
      return s.slice(0, i).trimEnd();
    }
  }
  return s.trimEnd();
}

/** Open minus closed flow brackets outside quotes. */
function flowDelta(s: string): number {
  let d = 0;
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '[' || c === '{') d++;
    else if (c === ']' || c === '}') d--;
  }
  return d;
}

/** The first token of a line, for messages: `job_name:` or `- targets:`. */
function head(s: string): string {
  const m = /^(-\s+)?("[^"]*"|'[^']*'|[^\s:]+)(:)?/.exec(s);
  return m ? `${m[1] ? '- ' : ''}${m[2]}${m[3] ?? ''}` : s.slice(0, 20);
}

const KEY = /^(?:"[^"]*"|'[^']*'|[^\s#'"[\]{}:,-][^#:]*?|-[^\s#:][^#:]*?)\s*:(?:\s|$)/;

/**
 * The first misindented line at or before `maxLine` (1-based), or undefined. Handles block
 * mappings and sequences (including sequences at their key's indentation), block scalars (`|`,
 * `>`), multi-line flow collections and plain multi-line scalars; tabs end the scan (the parser
 * explains those itself).
 */
export function findBadIndent(text: string, maxLine: number): BadIndent | undefined {
  const lines = text.split(/\r?\n/);
  const stack: Level[] = [{ ind: 0, line: 0, text: '' }];
  const top = () => stack[stack.length - 1]!;
  let opens = false; // the previous entry ends with `key:` or `-`: a nested block may follow
  let scalarValue = false; // the previous entry is `key: value` with a plain value (may continue)
  let blockScalarAt = -1; // inside `key: |`: lines indented more than this belong to the scalar
  let flow = 0; // inside a multi-line [..] or {..}
  for (let i = 0; i < Math.min(lines.length, maxLine); i++) {
    const raw = lines[i]!;
    const ind = raw.length - raw.replace(/^ +/, '').length;
    if (raw[ind] === '\t') return undefined;
    if (blockScalarAt >= 0) {
      if (raw.trim() === '' || ind > blockScalarAt) continue;
      blockScalarAt = -1;
    }
    let content = stripComment(raw.slice(ind));
    if (content === '') continue;
    if (flow > 0) {
      flow += flowDelta(content);
      continue;
    }
    if (/^(---|\.\.\.)(\s|$)/.test(content)) {
      stack.length = 1;
      opens = scalarValue = false;
      continue;
    }
    const isItem = /^-(\s|$)/.test(content);
    if (opens && (ind > top().ind || (ind === top().ind && isItem))) {
      if (ind > top().ind) stack.push({ ind, line: i + 1, text: head(content) });
    } else if (!opens && scalarValue && ind > top().ind && !isItem && !KEY.test(content)) {
      continue; // a plain scalar continued on the next line
    } else {
      const deeper = ind > top().ind;
      const popped: Level[] = [];
      while (stack.length > 1 && top().ind > ind) popped.push(stack.pop()!);
      if (top().ind !== ind || (!opens && scalarValue && ind > top().ind)) {
        const candidates = [...popped, top()].filter((l) => l.line > 0 || stack.length === 1);
        let best = candidates[0] ?? top();
        for (const l of candidates) if (Math.abs(l.ind - ind) < Math.abs(best.ind - ind)) best = l;
        return {
          line: i + 1,
          column: ind + 1,
          text: head(content),
          expectedColumn: best.ind + 1,
          alignLine: best.line,
          alignText: best.text,
          continuation: deeper && scalarValue,
        };
      }
    }
    // List items open a block for the item's own entries ("- a: 1" then "  b: 2").
    let col = ind;
    while (/^-(\s|$)/.test(content)) {
      const m = /^-\s*/.exec(content)!;
      col += m[0].length;
      content = content.slice(m[0].length);
      if (content === '') break;
      stack.push({ ind: col, line: i + 1, text: head(content) });
    }
    opens = content === '' || /:$/.test(content);
    const value = KEY.exec(content) ? content.slice(KEY.exec(content)![0].length).trim() : content;
    scalarValue = !opens && value !== '' && !/^[[{|>&*!"']/.test(value);
    if (/^[|>][0-9+-]*$/.test(value)) blockScalarAt = col;
    flow = flowDelta(value);
    if (flow < 0) flow = 0;
  }
  return undefined;
}

/** One sentence for a BadIndent. */
export function describeBadIndent(b: BadIndent): { message: string; hint: string } {
  const what = b.text.startsWith('-') ? `the list item "${b.text}"` : `"${b.text}"`;
  const like = b.alignLine > 0 ? ` like "${b.alignText}" on line ${b.alignLine}` : '';
  const message =
    `bad indentation: ${what} starts in column ${b.column}, but the entries around it start in column ` +
    `${b.expectedColumn}${like ? ` (${like.trim()})` : ''}` +
    (b.continuation ? ', and the line above already has a value' : '');
  const spaces = b.expectedColumn - 1;
  const hint = `start it in column ${b.expectedColumn} (${spaces} space${spaces === 1 ? '' : 's'})${like}; the keys of one mapping must start in the same column, and list items with "- "`;
  return { message, hint };
}

/**
 * The first quoted scalar or flow collection that is still open at the end of its line and never
 * closed before `maxLine` (1-based): where "Missing closing quote" and "Flow sequence … must end
 * with a ]" really start.
 */
export function findUnclosed(
  text: string,
  maxLine: number,
): { line: number; column: number; open: string; close: string } | undefined {
  const lines = text.split(/\r?\n/);
  const open: { line: number; column: number; ch: string }[] = [];
  let q: { line: number; column: number; ch: string } | null = null;
  for (let i = 0; i < Math.min(lines.length, maxLine); i++) {
    const s = lines[i]!;
    for (let j = 0; j < s.length; j++) {
      const c = s[j]!;
      if (q) {
        if (c === '\\' && q.ch === '"') j++;
        else if (c === q.ch) {
          if (q.ch === "'" && s[j + 1] === "'") j++;
          else q = null;
        }
      } else if ((c === '"' || c === "'") && (j === 0 || /[\s[{,:]/.test(s[j - 1]!))) {
        q = { line: i + 1, column: j + 1, ch: c };
      } else if (c === '#' && (j === 0 || /\s/.test(s[j - 1]!))) {
        break;
      } else if (c === '[' || c === '{') {
        if (open.length > 0 || /(^|[\s:,-])$/.test(s.slice(0, j))) open.push({ line: i + 1, column: j + 1, ch: c });
      } else if ((c === ']' || c === '}') && open.length > 0) {
        open.pop();
      }
    }
    // Quoted strings may span lines, but in a file the parser rejected the first that does is the
    // likely culprit (the next quote on a later line would "close" it).
    if (q) return { line: q.line, column: q.column, open: q.ch, close: q.ch };
  }
  const first = open[0];
  if (!first) return undefined;
  const close = first.ch === '[' ? ']' : first.ch === '{' ? '}' : first.ch;
  return { line: first.line, column: first.column, open: first.ch, close };
}
