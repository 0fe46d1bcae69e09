import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a small text file (procfs/sysfs files report size 0, so no stat-based sizing). */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Reads a file, or returns null when it does not exist or cannot be read. */
export function tryReadText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** A sysfs attribute: the file's content without the final newline, or null. */
export function tryReadAttr(path: string): string | null {
  const s = tryReadText(path);
  return s === null ? null : s.replace(/\n$/, '');
}

/** Entries of a directory, or [] when it does not exist. */
export function tryReadDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Joins `p` under `base` (node_exporter's procFilePath / sysFilePath / rootfsFilePath). */
export function under(base: string, ...p: string[]): string {
  return join(base, ...p);
}

/** Whitespace-separated fields of a line (like Go's strings.Fields). */
export function fields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(line.charCodeAt(i))) i++;
    out.push(line.slice(start, i));
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** Lines of a file's text without the trailing empty line. */
export function lines(text: string): string[] {
  const ls = text.split('\n');
  if (ls.length > 0 && ls[ls.length - 1] === '') ls.pop();
  return ls;
}
