/**
 * Editing scrape targets in prometheus.yml with yaml's Document API, so that comments, key order
 * and formatting of everything else survive. Every edit is validated before it is returned: an
 * edit that would make the file invalid is refused with the reason.
 */
import type { YAMLMap } from 'yaml';
import { isMap, isScalar, isSeq, parseDocument, YAMLSeq, type Document, type Node, type Scalar } from 'yaml';
import { UserFacingEditError } from './edit-errors.js';
import { validateHostPort, validateJobName } from './init.js';
import { analyzeConfigText } from './load.js';
import { where, type ConfigProblem } from './problems.js';
import { SD_CONFIG_KEYS } from './sd-keys.js';
import type { Config } from './types.js';

export { UserFacingEditError };

export interface EditResult {
  text: string;
  /** What changed, in words ("added 10.0.0.5:9100 to job node (new job)"). */
  summary: string;
}

function parse(text: string, file: string): Document {
  const doc = parseDocument(text, { version: '1.1', keepSourceTokens: true });
  if (doc.errors.length > 0)
    throw new UserFacingEditError(
      `${file} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`,
      'fix it first: promctl check config',
    );
  return doc;
}

function ensureValidBefore(text: string, file: string): void {
  const r = analyzeConfigText(text, file, { resolvePaths: false, followScrapeConfigFiles: false });
  if (!r.config)
    throw new UserFacingEditError(
      `${file} has errors already; fix them first:\n${describe(r.problems)}`,
      `promctl check config ${file}`,
    );
}

function describe(ps: ConfigProblem[]): string {
  return ps
    .filter((p) => p.severity === 'error')
    .slice(0, 5)
    .map((p) => `  ${where(p)}${p.message}`)
    .join('\n');
}

function validateAfter(text: string, file: string): void {
  const r = analyzeConfigText(text, file, { resolvePaths: false, followScrapeConfigFiles: false });
  if (!r.config)
    throw new UserFacingEditError(`refusing the edit: the result would be invalid:\n${describe(r.problems)}`);
}

/** A single-quoted scalar, as promctl init writes targets. */
function quoted(doc: Document, s: string): Scalar {
  const n = doc.createNode(s) as Scalar;
  n.type = 'QUOTE_SINGLE';
  return n;
}

const scalarStr = (n: unknown): string | undefined =>
  isScalar(n) ? (n.value === null || n.value === undefined ? undefined : String(n.value)) : undefined;

function findJob(seq: YAMLSeq, job: string): YAMLMap | undefined {
  for (const item of seq.items) if (isMap(item) && scalarStr(item.get('job_name', true)) === job) return item;
  return undefined;
}

function labelsOf(group: YAMLMap): Record<string, string> {
  const l = group.get('labels', true);
  const out: Record<string, string> = {};
  if (isMap(l)) for (const p of l.items) out[String(scalarStr(p.key))] = String(scalarStr(p.value) ?? '');
  return out;
}
const sameLabels = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
};

function targetsOf(group: YAMLMap): string[] {
  const t = group.get('targets', true);
  return isSeq(t) ? t.items.map((x) => scalarStr(x) ?? '') : [];
}

/** Adds `target` to `job`'s static_configs (creating the job or the group when needed). */
export function addTarget(
  text: string,
  job: string,
  target: string,
  opts: { labels?: Record<string, string>; file?: string } = {},
): EditResult {
  const file = opts.file ?? 'prometheus.yml';
  const jobErr = validateJobName(job);
  if (jobErr) throw new UserFacingEditError(`job name ${jobErr}`);
  const tErr = validateHostPort(target);
  if (tErr) throw new UserFacingEditError(tErr);
  const labels = opts.labels ?? {};
  ensureValidBefore(text, file);
  const doc = parse(text, file);
  if (doc.contents === null || doc.contents === undefined)
    doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  if (!isMap(doc.contents)) throw new UserFacingEditError(`${file}: the document is not a mapping`);
  let seq = doc.get('scrape_configs', true) as Node | undefined;
  if (!isSeq(seq)) {
    seq = new YAMLSeq();
    doc.set('scrape_configs', seq);
  }
  const scrape = seq as YAMLSeq;
  let summary: string;
  const jobMap = findJob(scrape, job);
  const newGroup = () => {
    const g = doc.createNode(Object.keys(labels).length ? { targets: [], labels } : { targets: [] }) as YAMLMap;
    const t = g.get('targets', true);
    if (isSeq(t)) {
      t.flow = true;
      t.items.push(quoted(doc, target));
    }
    return g;
  };
  if (!jobMap) {
    const m = doc.createNode({ job_name: job }) as YAMLMap;
    const sc = new YAMLSeq();
    sc.items.push(newGroup());
    m.set('static_configs', sc);
    if (scrape.items.length > 0) m.spaceBefore = true;
    scrape.items.push(m);
    summary = `added ${target} to job ${job} (new job)`;
  } else {
    for (const k of SD_CONFIG_KEYS) {
      const groups = jobMap.get(k, true);
      if (k !== 'static_configs' || !isSeq(groups)) continue;
      for (const g of groups.items) {
        if (!isMap(g) || !targetsOf(g).includes(target)) continue;
        const has = labelsOf(g);
        if (sameLabels(has, labels)) throw new UserFacingEditError(`${target} is already a target of job ${job}`);
        // The same address with other labels would be scraped twice, as two targets.
        const shown = Object.keys(has).length
          ? `with labels {${Object.entries(has)
              .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
              .join(', ')}}`
          : 'without labels';
        throw new UserFacingEditError(
          `${target} is already a target of job ${job}, ${shown}: adding it again would scrape it twice`,
          `to change its labels: promctl target remove ${job} ${target}, then add it with the --label flags you want`,
        );
      }
    }
    let gs = jobMap.get('static_configs', true) as unknown;
    if (!isSeq(gs)) {
      gs = new YAMLSeq();
      jobMap.set('static_configs', gs);
    }
    const groupsSeq = gs as YAMLSeq;
    const group = groupsSeq.items.find((g) => isMap(g) && sameLabels(labelsOf(g), labels)) as YAMLMap | undefined;
    if (group) {
      let t = group.get('targets', true) as unknown;
      if (!isSeq(t)) {
        const fresh = new YAMLSeq();
        fresh.flow = true;
        group.set('targets', fresh);
        t = fresh;
      }
      (t as YAMLSeq).items.push(quoted(doc, target));
      summary = `added ${target} to job ${job}`;
    } else {
      groupsSeq.items.push(newGroup());
      summary = `added ${target} to job ${job} (new target group${Object.keys(labels).length ? ` with labels ${fmtLabels(labels)}` : ''})`;
    }
  }
  const out = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  validateAfter(out, file);
  return { text: out, summary };
}

const fmtLabels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;

/** Removes `target` from `job` (every static group that has it; empty groups and jobs go too). */
export function removeTarget(text: string, job: string, target: string, opts: { file?: string } = {}): EditResult {
  const file = opts.file ?? 'prometheus.yml';
  ensureValidBefore(text, file);
  const doc = parse(text, file);
  const scrape = doc.get('scrape_configs', true);
  const jobs = isSeq(scrape) ? scrape.items.filter(isMap).map((m) => scalarStr(m.get('job_name', true))) : [];
  const jobMap = isSeq(scrape) ? findJob(scrape, job) : undefined;
  if (!jobMap)
    throw new UserFacingEditError(`no job ${job} in ${file}`, jobs.length ? `jobs: ${jobs.join(', ')}` : undefined);
  const groups = jobMap.get('static_configs', true);
  let removed = 0;
  if (isSeq(groups)) {
    for (const g of [...groups.items]) {
      if (!isMap(g)) continue;
      const t = g.get('targets', true);
      if (!isSeq(t)) continue;
      const before = t.items.length;
      t.items = t.items.filter((x) => scalarStr(x) !== target);
      removed += before - t.items.length;
      if (t.items.length === 0 && before > 0) groups.items.splice(groups.items.indexOf(g), 1);
    }
  }
  if (removed === 0) {
    const all = isSeq(groups) ? groups.items.filter(isMap).flatMap(targetsOf) : [];
    throw new UserFacingEditError(
      `${target} is not a static target of job ${job}`,
      all.length ? `its targets: ${all.join(', ')}` : undefined,
    );
  }
  let summary = `removed ${target} from job ${job}`;
  const hasOtherSD = SD_CONFIG_KEYS.some((k) => k !== 'static_configs' && jobMap.has(k));
  if (isSeq(groups) && groups.items.length === 0) {
    if (hasOtherSD) jobMap.delete('static_configs');
    else {
      (scrape as YAMLSeq).items.splice((scrape as YAMLSeq).items.indexOf(jobMap), 1);
      summary += ` (it was the job's last target: job ${job} removed)`;
    }
  }
  const out = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  validateAfter(out, file);
  return { text: out, summary };
}

export interface JobTargets {
  job: string;
  scheme: string;
  metricsPath: string;
  scrapeInterval: string;
  targets: { target: string; labels: Record<string, string> }[];
  /** Other discovery mechanisms of the job (file_sd_configs, …). */
  discovery: string[];
}

/** Jobs and their static targets, from a loaded config. */
export function listTargets(c: Config): JobTargets[] {
  return c.scrape_configs.map((sc) => ({
    job: sc.job_name,
    scheme: sc.scheme,
    metricsPath: sc.metrics_path,
    scrapeInterval: sc.scrape_interval,
    targets: (sc.static_configs ?? []).flatMap((g) =>
      (g.targets ?? []).map((t) => ({ target: t, labels: g.labels ?? {} })),
    ),
    discovery: SD_CONFIG_KEYS.filter((k) => k !== 'static_configs' && (sc[k] as unknown[] | undefined)?.length),
  }));
}
