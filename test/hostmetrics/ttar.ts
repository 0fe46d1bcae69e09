import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Unpacks a ttar text archive (node_exporter's fixture format, see the conformance README) into
 * `dest`. Returns the number of files, directories and symlinks written.
 */
export function unpackTtar(archive: string, dest: string): { files: number; dirs: number; links: number } {
  const lines = readFileSync(archive, 'utf8').split('\n');
  const counts = { files: 0, dirs: 0, links: 0 };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    if (line.startsWith('Directory: ')) {
      mkdirSync(join(dest, line.slice(11)), { recursive: true });
      counts.dirs++;
      i++;
      continue;
    }
    if (line.startsWith('Path: ')) {
      const path = join(dest, line.slice(6));
      const next = lines[i + 1] ?? '';
      mkdirSync(dirname(path), { recursive: true });
      if (next.startsWith('SymlinkTo: ')) {
        symlinkSync(next.slice(11), path);
        counts.links++;
        i += 2;
        continue;
      }
      if (!next.startsWith('Lines: ')) throw new Error(`ttar: expected Lines: after ${line} (line ${i + 2})`);
      const n = Number(next.slice(7));
      const content: string[] = [];
      let noFinalNewline = false;
      for (let k = 0; k < n; k++) {
        let l = lines[i + 2 + k]!;
        if (k === n - 1 && l.endsWith('EOF')) {
          l = l.slice(0, -3);
          noFinalNewline = true;
        }
        content.push(l.replaceAll('NULLBYTE', '\0'));
      }
      writeFileSync(path, content.join('\n') + (n > 0 && !noFinalNewline ? '\n' : ''));
      counts.files++;
      i += 2 + n;
      continue;
    }
    // "Mode: 644" and anything else: skip.
    i++;
  }
  return counts;
}
