import { describe, expect, it } from 'vitest';
import { parseCheckConfigArgv } from '../../src/lib/cli/fast-path.js';

describe("bin/run.js' fast path: which invocations it takes", () => {
  it('takes plain check config invocations, as oclif parses them', () => {
    expect(parseCheckConfigArgv(['check', 'config'])).toEqual({
      files: [],
      json: false,
      syntaxOnly: false,
      agent: false,
      lintFatal: false,
    });
    expect(
      parseCheckConfigArgv(['check', 'config', 'a.yml', '--json', 'b.yml', '--syntax-only', '--agent', '--lint-fatal']),
    ).toEqual({
      files: ['a.yml', 'b.yml'],
      json: true,
      syntaxOnly: true,
      agent: true,
      lintFatal: true,
    });
    expect(parseCheckConfigArgv(['check:config', 'a.yml'])?.files).toEqual(['a.yml']);
    expect(parseCheckConfigArgv(['check', 'config', '--', '--json'])).toMatchObject({ files: ['--json'], json: false });
  });

  it('leaves help, unknown flags and other commands to oclif', () => {
    for (const argv of [
      ['check', 'config', '--help'],
      ['check', 'config', '-h'],
      ['check', 'config', 'a.yml', '--sytnax-only'],
      ['check', 'config', '--json=true'],
      ['check', 'config', '--lint', 'none', 'a.yml'],
      ['check', 'config', '-'],
      ['check', 'rules', 'x.yml'],
      ['check'],
      ['target', 'list'],
      [],
    ])
      expect(parseCheckConfigArgv(argv), argv.join(' ')).toBeUndefined();
  });
});
