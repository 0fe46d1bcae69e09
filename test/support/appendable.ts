/**
 * A recording fake Appendable (like Prometheus' util/teststorage appender): keeps committed,
 * pending and rolled-back samples, assigns refs, optionally rejects out-of-order samples as a
 * TSDB would, and injects errors on append or commit.
 */
import type { Labels } from '../../src/lib/model/labels.js';
import { isStaleNaN } from '../../src/lib/model/value.js';
import type { Appendable, Appender, Exemplar, SeriesRef } from '../../src/lib/storage/interface.js';
import { DuplicateSampleForTimestampError, OutOfOrderSampleError } from '../../src/lib/storage/errors.js';

export interface RecordedSample {
  labels: Labels;
  t: number;
  /** Kept in an object field so a staleness marker's NaN bits survive. */
  v: number;
}

export interface RecordedExemplar {
  labels: Labels;
  exemplar: Exemplar;
}

export interface RecordingOptions {
  /** Reject samples older than the series' last committed one (default false: record everything). */
  rejectOutOfOrder?: boolean;
  /** Called for each append; return an Error to throw it. */
  appendErr?: (labels: Labels, t: number, v: number) => Error | null;
  /** Thrown by commit(). */
  commitErr?: () => Error | null;
}

export class RecordingAppendable implements Appendable {
  readonly samples: RecordedSample[] = [];
  readonly rolledBack: RecordedSample[] = [];
  readonly exemplars: RecordedExemplar[] = [];
  commits = 0;
  rollbacks = 0;
  appenders = 0;
  private readonly refs = new Map<string, number>();
  private readonly byRef = new Map<number, Labels>();
  private readonly lastT = new Map<string, { t: number; v: number }>();

  constructor(public opts: RecordingOptions = {}) {}

  appender(): Appender {
    this.appenders++;
    const pending: RecordedSample[] = [];
    const pendingEx: RecordedExemplar[] = [];
    let done = false;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the appender object closes over its store
    const self = this;
    return {
      append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
        if (done) throw new Error('appender used after commit/rollback');
        if (ref !== 0 && self.byRef.get(ref) && !self.byRef.get(ref)!.equals(labels)) {
          throw new Error(`ref ${ref} passed for different labels ${labels.toString()}`);
        }
        const err = self.opts.appendErr?.(labels, t, v);
        if (err) throw err;
        const key = labels.key();
        if (self.opts.rejectOutOfOrder) {
          const last = self.lastT.get(key);
          if (last && t < last.t) throw new OutOfOrderSampleError();
          if (last && t === last.t && !Object.is(last.v, v) && !(isStaleNaN(v) && isStaleNaN(last.v))) {
            throw new DuplicateSampleForTimestampError();
          }
        }
        let r = self.refs.get(key);
        if (r === undefined) {
          r = self.refs.size + 1;
          self.refs.set(key, r);
          self.byRef.set(r, labels);
        }
        pending.push({ labels, t, v });
        return r;
      },
      appendExemplar(ref: SeriesRef, labels: Labels, e: Exemplar): SeriesRef {
        pendingEx.push({ labels, exemplar: e });
        return ref;
      },
      async commit(): Promise<void> {
        if (done) throw new Error('commit after commit/rollback');
        done = true;
        const err = self.opts.commitErr?.();
        if (err) {
          self.rolledBack.push(...pending);
          throw err;
        }
        self.commits++;
        for (const s of pending) {
          self.samples.push(s);
          self.lastT.set(s.labels.key(), { t: s.t, v: s.v });
        }
        self.exemplars.push(...pendingEx);
      },
      async rollback(): Promise<void> {
        done = true;
        self.rollbacks++;
        self.rolledBack.push(...pending);
      },
    };
  }

  /** Committed samples whose metric name is `name` (and whose labels include `match`). */
  series(name: string, match: Record<string, string> = {}): RecordedSample[] {
    return this.samples.filter(
      (s) => s.labels.metricName() === name && Object.entries(match).every(([k, v]) => s.labels.get(k) === v),
    );
  }

  /** The last committed value of the series matching name/labels, or undefined. */
  last(name: string, match: Record<string, string> = {}): number | undefined {
    const s = this.series(name, match);
    return s.length ? s[s.length - 1]!.v : undefined;
  }

  /** Committed staleness markers. */
  staleMarkers(): RecordedSample[] {
    return this.samples.filter((s) => isStaleNaN(s.v));
  }

  /** Distinct metric names committed. */
  names(): string[] {
    return [...new Set(this.samples.map((s) => s.labels.metricName()))].sort();
  }

  reset(): void {
    this.samples.length = 0;
    this.rolledBack.length = 0;
    this.exemplars.length = 0;
  }
}
