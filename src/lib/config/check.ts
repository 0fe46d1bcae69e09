/**
 * `promctl check config`: everything the loader checks, plus what `promtool check config` checks
 * beyond it — the files the config names: rule files (pluggable: the rules capability validates
 * their content), scrape_config_files, file_sd files, credential, password and TLS files.
 */
import { readFileSync, statSync } from 'node:fs';
import { analyzeConfigFile, analyzeTargetGroups, glob, type LoadOptions } from './load.js';
import type { ConfigProblem } from './problems.js';
import type { Config } from './types.js';

/** Checks one rule file that exists; returns its problems (empty when valid) and a rule count. */
export type RuleFileChecker = (
  path: string,
) => Promise<{ problems: ConfigProblem[]; rules?: number }> | { problems: ConfigProblem[]; rules?: number };

/** The default: the file exists and is readable (the rules capability plugs in real validation). */
export const existenceRuleFileChecker: RuleFileChecker = (path) => {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return { problems: [refProblem(path, `${path} is a directory, not a rule file`)] };
    return { problems: [] };
  } catch (e) {
    return {
      problems: [refProblem(path, `error checking rule file ${JSON.stringify(path)}: ${(e as Error).message}`)],
    };
  }
};

let ruleFileChecker: RuleFileChecker = existenceRuleFileChecker;

/** Plugs in rule-file validation (the rules capability calls this; commands may too). */
export function setRuleFileChecker(fn: RuleFileChecker): void {
  ruleFileChecker = fn;
}

function refProblem(
  file: string,
  message: string,
  hint?: string,
  severity: 'error' | 'warning' = 'error',
): ConfigProblem {
  return { severity, message, hint, file, line: 0, column: 0 };
}

export interface RuleFileResult {
  /** The pattern as written in rule_files (joined with the config's folder). */
  pattern: string;
  files: { path: string; rules?: number; problems: ConfigProblem[] }[];
}

export interface ConfigCheck {
  file: string;
  valid: boolean;
  problems: ConfigProblem[];
  /** Sources of every file with problems, for excerpts. */
  sources: Map<string, string>;
  jobs: string[];
  ruleFiles: RuleFileResult[];
  scrapeConfigFiles: string[];
  config: Config | null;
}

export interface CheckOptions extends LoadOptions {
  /** Only the loader's checks, not the files the config names (promtool --syntax-only). */
  syntaxOnly?: boolean;
  /** Overrides the registered rule-file checker for this call. */
  checkRuleFile?: RuleFileChecker;
}

/** Keys whose value names a file promctl (and Prometheus) reads at start-up. */
const READ_FILE_KEYS: Record<string, string> = {
  ca_file: 'CA file',
  cert_file: 'client cert file',
  key_file: 'client key file',
  password_file: 'password file',
  username_file: 'username file',
  credentials_file: 'credentials file',
  client_secret_file: 'client secret file',
  client_certificate_key_file: 'client certificate key file',
  bearer_token_file: 'bearer token file',
  kubeconfig_file: 'kubeconfig file',
  auth_token_file: 'auth token file',
  secret_key_file: 'secret key file',
};

export async function checkConfigFile(path: string, opts: CheckOptions = {}): Promise<ConfigCheck> {
  const r = analyzeConfigFile(path, opts);
  const problems = [...r.problems];
  const out: ConfigCheck = {
    file: path,
    valid: false,
    problems,
    sources: r.sources,
    jobs: [],
    ruleFiles: [],
    scrapeConfigFiles: r.scrapeConfigFiles,
    config: r.config,
  };
  const text = r.sources.get(path);
  if (text !== undefined && text.trim() === '' && !problems.some((p) => p.severity === 'error')) {
    problems.push({
      severity: 'error',
      message: `${path} is empty: Prometheus would start with the defaults and scrape nothing`,
      hint: 'write a starter config with: promctl init',
      file: path,
      line: 1,
      column: 1,
    });
  }
  const c = r.config;
  if (c) {
    out.jobs = c.scrape_configs.map((s) => s.job_name);
    if (!opts.syntaxOnly) {
      const at = (ptr: string) => ({ file: path, ...r.locate(ptr) });
      // rule files
      const checker = opts.checkRuleFile ?? ruleFileChecker;
      for (const [i, pattern] of c.rule_files.entries()) {
        const res: RuleFileResult = { pattern, files: [] };
        out.ruleFiles.push(res);
        let files: string[] = [];
        try {
          files = glob(pattern);
        } catch (e) {
          problems.push({ ...refProblem(path, `${(e as Error).message}: ${pattern}`), ...at(`/rule_files/${i}`) });
          continue;
        }
        if (!pattern.includes('*') && files.length === 0) {
          problems.push({
            ...refProblem(
              path,
              `${JSON.stringify(pattern)} does not point to an existing file`,
              "create the rule file, or fix the path (relative paths start at the config file's folder)",
            ),
            ...at(`/rule_files/${i}`),
          });
          continue;
        }
        for (const f of files) {
          const fr = await checker(f);
          res.files.push({ path: f, rules: fr.rules, problems: fr.problems });
          for (const p of fr.problems)
            problems.push(p.line > 0 || p.file !== f ? p : { ...p, ...at(`/rule_files/${i}`), file: path });
        }
      }
      // files named by scrape configs, alerting, remote read/write, tracing
      c.scrape_configs.forEach((sc, i) => {
        const main = i < r.mainScrapeConfigs;
        const ptr = `/scrape_configs/${i}`;
        checkReferencedFiles(
          sc,
          main ? ptr : '',
          main ? at : () => ({ file: path, line: 0, column: 0 }),
          problems,
          `scrape job ${JSON.stringify(sc.job_name)}`,
        );
        (sc.file_sd_configs ?? []).forEach((fsd, j) => {
          (fsd.files ?? []).forEach((pattern, k) => {
            let files: string[] = [];
            try {
              files = glob(pattern);
            } catch {
              files = [];
            }
            const where = main ? at(`${ptr}/file_sd_configs/${j}/files/${k}`) : { file: path, line: 0, column: 0 };
            if (files.length === 0) {
              problems.push({
                ...refProblem(
                  path,
                  `file ${JSON.stringify(pattern)} for file_sd in scrape job ${JSON.stringify(sc.job_name)} does not exist`,
                  'Prometheus starts anyway and picks the file up when it appears',
                  'warning',
                ),
                ...where,
              });
              return;
            }
            for (const f of files) {
              let t: string;
              try {
                t = readFileSync(f, 'utf8');
              } catch (e) {
                problems.push({
                  ...refProblem(f, `cannot read file_sd file ${f}: ${(e as Error).message}`),
                  ...where,
                  file: path,
                });
                continue;
              }
              const tg = analyzeTargetGroups(t, f);
              if (tg.problems.length) {
                out.sources.set(f, t);
                problems.push(...tg.problems);
              }
            }
          });
        });
      });
      (c.alerting.alertmanagers ?? []).forEach((am, i) =>
        checkReferencedFiles(am, `/alerting/alertmanagers/${i}`, at, problems, 'alertmanager config'),
      );
      c.remote_write.forEach((rw, i) => checkReferencedFiles(rw, `/remote_write/${i}`, at, problems, 'remote_write'));
      c.remote_read.forEach((rr, i) => checkReferencedFiles(rr, `/remote_read/${i}`, at, problems, 'remote_read'));
      if (c.tracing) checkReferencedFiles(c.tracing, '/tracing', at, problems, 'tracing');
    }
  }
  out.valid = c !== null && !problems.some((p) => p.severity === 'error');
  // file order (main file first), then position
  const order = new Map<string, number>([[path, 0]]);
  problems.forEach((p) => order.has(p.file) || order.set(p.file, order.size));
  const sorted = problems
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        order.get(a.p.file)! - order.get(b.p.file)! ||
        (a.p.line || 1e9) - (b.p.line || 1e9) ||
        a.p.column - b.p.column ||
        a.i - b.i,
    )
    .map((x) => x.p);
  out.problems = sorted;
  return out;
}

function checkReferencedFiles(
  v: unknown,
  ptr: string,
  at: (ptr: string) => { file: string; line: number; column: number },
  problems: ConfigProblem[],
  owner: string,
): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkReferencedFiles(x, `${ptr}/${i}`, at, problems, owner));
    return;
  }
  if (!v || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const p = `${ptr}/${k}`;
    if (typeof x === 'string' && READ_FILE_KEYS[k] && x !== '') {
      let msg: string | null = null;
      try {
        if (statSync(x).isDirectory()) msg = `${x}: is a directory`;
      } catch (e) {
        msg = (e as Error).message.replace(/^ENOENT: /, '').replace(/, stat '.*'$/, '');
        msg = `stat ${x}: ${msg}`;
      }
      if (msg)
        problems.push({
          severity: 'error',
          message: `error checking ${READ_FILE_KEYS[k]} ${JSON.stringify(x)} of ${owner}: ${msg}`,
          hint: 'Prometheus reads this file when it scrapes or sends: create it or fix the path (relative to the config file)',
          ...at(p),
        });
    } else if (x && typeof x === 'object' && k !== 'file_sd_configs') checkReferencedFiles(x, p, at, problems, owner);
  }
}
