import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { completionScript, type CompletionSpec } from './completion.ts';

const spec: CompletionSpec = {
  program: 'valise',
  globalOptions: ['--profile=', '--json'],
  commands: { send: [], tail: ['--history=', '--count='], 'create-channel': ['--members=', '--burn'] },
};

/** What bash offers for the words typed so far (the last one being completed). */
function complete(typed: string[]): string[] {
  const words = ['valise', ...typed].map((w) => `'${w}'`).join(' ');
  const script = `${completionScript('bash', spec)}
COMP_WORDS=(${words}); COMP_CWORD=${typed.length}
_valise_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 10_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('shell completion', () => {
  it('completes commands, then the command options and the global ones', () => {
    expect(complete(['t'])).toEqual(['tail']);
    expect(complete(['--profile', 'demo/alice', 'cr'])).toEqual(['create-channel']);
    expect(complete(['tail', 'Talks', '--'])).toEqual(['--count', '--history', '--json', '--profile']);
    expect(complete(['create-channel', 'X', '--b'])).toEqual(['--burn']);
  });

  it('is valid zsh too (through bashcompinit) and refuses an unknown shell', () => {
    expect(completionScript('zsh', spec)).toContain('bashcompinit');
    expect(() => completionScript('fish', spec)).toThrow(/bash or zsh/);
  });
});
