/**
 * WAL checkpoints (Prometheus' wlog.Checkpoint): the records of segments [from, to] (and of the
 * previous checkpoint) that still matter — series records of live series, samples at or after
 * `mint`, tombstones of live series — are rewritten into `checkpoint.<to>` (a WAL directory of its
 * own), then the covered segments and older checkpoints are deleted. Written to a `.tmp` directory
 * first and renamed into place, so a crash leaves either the old or the new state.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Encbuf } from '../encoding.js';
import {
  RecordType,
  decodeSamples,
  decodeTombstones,
  encodeSamples,
  encodeTombstones,
  filterSeriesRecord,
  recordType,
} from './record.js';
import { WalWriter, fsyncDir, listCheckpoints, listSegments, readSegmentRecords, segmentName } from './wal.js';

export interface CheckpointStats {
  droppedSeries: number;
  droppedSamples: number;
  totalSeries: number;
  totalSamples: number;
  dir: string;
}

export function checkpointName(i: number): string {
  return `checkpoint.${segmentName(i)}`;
}

/**
 * Rewrites segments up to `to` into checkpoint.<to>; keeps series for which keep(ref) is true.
 * `compress` snappy-compresses the checkpoint's records (Prometheus uses the WAL's setting).
 */
export function createCheckpoint(
  walDir: string,
  to: number,
  keep: (ref: number) => boolean,
  mint: number,
  compress = false,
): CheckpointStats {
  const stats: CheckpointStats = { droppedSeries: 0, droppedSamples: 0, totalSeries: 0, totalSamples: 0, dir: '' };
  const inputs: string[] = [];
  const cps = listCheckpoints(walDir);
  const prev = cps.length ? cps[cps.length - 1]! : null;
  if (prev) {
    const cpDir = join(walDir, prev.name);
    for (const s of listSegments(cpDir)) inputs.push(join(cpDir, segmentName(s)));
  }
  const from = prev ? prev.index + 1 : 0;
  for (const s of listSegments(walDir)) if (s >= from && s <= to) inputs.push(join(walDir, segmentName(s)));

  const name = checkpointName(to);
  const tmp = join(walDir, name + '.tmp');
  fs.rmSync(tmp, { recursive: true, force: true });
  const w = WalWriter.open(tmp, { segmentSize: 128 * 1024 * 1024, compress });
  const enc = new Encbuf(1 << 16);
  try {
    for (const file of inputs) {
      for (const { rec } of readSegmentRecords(file)) {
        switch (recordType(rec)) {
          case RecordType.Series: {
            const { kept, total } = filterSeriesRecord(rec, keep, enc);
            stats.totalSeries += total;
            stats.droppedSeries += total - kept;
            if (kept) w.log([enc.get()]);
            break;
          }
          case RecordType.Samples: {
            const s = decodeSamples(rec);
            const refs = new Float64Array(s.length);
            const ts = new Float64Array(s.length);
            const vs = new Float64Array(s.length);
            let n = 0;
            for (let i = 0; i < s.length; i++) {
              if (s.ts[i]! >= mint && keep(s.refs[i]!)) {
                refs[n] = s.refs[i]!;
                ts[n] = s.ts[i]!;
                vs[n] = s.vs[i]!;
                n++;
              }
            }
            stats.totalSamples += s.length;
            stats.droppedSamples += s.length - n;
            if (n) w.log([encodeSamples({ refs, ts, vs, length: n }, enc)]);
            break;
          }
          case RecordType.Tombstones: {
            const st = decodeTombstones(rec).filter((x) => keep(x.ref) && x.maxt >= mint);
            if (st.length) w.log([encodeTombstones(st, enc)]);
            break;
          }
          default:
          // exemplars, metadata, mmap markers, histograms: not carried over
        }
      }
    }
    w.close();
  } catch (e) {
    try {
      w.close();
    } catch {
      /* ignore */
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const final = join(walDir, name);
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  fsyncDir(walDir);
  // Delete what the checkpoint now covers.
  for (const s of listSegments(walDir)) if (s <= to) fs.rmSync(join(walDir, segmentName(s)), { force: true });
  for (const cp of listCheckpoints(walDir))
    if (cp.index < to) fs.rmSync(join(walDir, cp.name), { recursive: true, force: true });
  stats.dir = final;
  return stats;
}
