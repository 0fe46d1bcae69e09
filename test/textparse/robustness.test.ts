import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/lib/textparse/interface.js';
import { lintExposition } from '../../src/lib/textparse/lint.js';
import { validateOpenMetrics } from '../../src/lib/textparse/omvalidate.js';
import { OpenMetricsParser } from '../../src/lib/textparse/openmetricsparse.js';
import { PromParser } from '../../src/lib/textparse/promparse.js';

const SEED_TEXT = `# HELP go_gc_duration_seconds A summary.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds_sum 0.0001 1234
{"odd.name","x y"="é\\n\\""} +Inf
# TYPE h histogram
h_bucket{le="1"} 1
`;
const SEED_OM = `# HELP a x \\" y
# TYPE a counter
# UNIT a seconds
a_seconds_total{b="c"} 1 1.5 # {id="x"} 2 3
a_seconds_created{b="c"} 1.5
# TYPE h histogram
h_bucket{le="+Inf"} 1 # {} 1
h_count 1
h_sum 1
# EOF
`;

/** Runs everything a caller may do; only ParseError may escape. */
function exercise(body: Buffer): void {
  const ps = [
    new PromParser(body),
    new OpenMetricsParser(body),
    new OpenMetricsParser(body, { skipCreatedSeries: true }),
    new OpenMetricsParser(body, { strict: true }),
  ];
  for (const p of ps) {
    try {
      for (let e = p.next(); e !== null; e = p.next()) {
        if (e === 'series') {
          p.seriesKey();
          p.labels();
          p.value();
          p.timestamp();
          p.exemplar();
          p.createdTimestamp();
          p.type();
        } else if (e === 'help') p.help();
        else if (e === 'comment') p.comment();
        p.line();
      }
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      expect(err.line).toBeGreaterThanOrEqual(1);
      expect(err.column).toBeGreaterThanOrEqual(1);
    }
  }
  for (const f of [() => validateOpenMetrics(body), () => lintExposition(body)]) {
    try {
      f();
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
    }
  }
}

describe('bad input never escapes as anything but ParseError', () => {
  it('survives random mutations of valid expositions', () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const alphabet = Buffer.from('{}",=\\ \n\t#_:aZ09.+-eE\0\xff\xc3\x80');
    for (const base of [SEED_TEXT, SEED_OM]) {
      const src = Buffer.from(base);
      for (let i = 0; i < 1500; i++) {
        const b = Buffer.from(src);
        const edits = 1 + rnd(4);
        let out = b;
        for (let k = 0; k < edits; k++) {
          const at = rnd(out.length);
          const op = rnd(3);
          if (op === 0) out[at] = alphabet[rnd(alphabet.length)]!;
          else if (op === 1) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
          else
            out = Buffer.concat([
              out.subarray(0, at),
              Buffer.from([alphabet[rnd(alphabet.length)]!]),
              out.subarray(at),
            ]);
        }
        exercise(out);
      }
    }
  });

  it('survives truncation at every byte and random garbage', () => {
    for (const base of [SEED_TEXT, SEED_OM]) {
      const src = Buffer.from(base);
      for (let cut = 0; cut <= src.length; cut++) exercise(src.subarray(0, cut));
    }
    let seed = 3;
    for (let i = 0; i < 300; i++) {
      const b = Buffer.alloc(1 + (i % 200));
      for (let k = 0; k < b.length; k++) b[k] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      exercise(b);
    }
  });

  it('handles a very long line and many labels', () => {
    const labels = Array.from({ length: 500 }, (_, i) => `l${i}="${'v'.repeat(i)}"`).join(',');
    const p = new PromParser(Buffer.from(`m{${labels}} 1\n`));
    expect(p.next()).toBe('series');
    expect(p.labels().size).toBe(500); // __name__ + 499 (l0 has an empty value: absent)
  });
});
