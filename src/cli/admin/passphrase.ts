/**
 * Where the root key's passphrase comes from: `--passphrase-file`, the VALISE_ADMIN_PASSPHRASE
 * environment variable (scripts, CI), or a prompt on the terminal with echo off.
 */
import fs from 'node:fs';

export async function getPassphrase(opts: { passphraseFile?: string | undefined; confirm?: boolean }): Promise<string> {
  if (opts.passphraseFile) return fs.readFileSync(opts.passphraseFile, 'utf8').replace(/\r?\n$/, '');
  const env = process.env.VALISE_ADMIN_PASSPHRASE;
  if (env) return env;
  if (!process.stdin.isTTY) {
    throw new Error('No passphrase: give --passphrase-file FILE or set VALISE_ADMIN_PASSPHRASE (no terminal to ask on).');
  }
  const first = await prompt('Root key passphrase: ');
  if (opts.confirm && (await prompt('Repeat the passphrase: ')) !== first) throw new Error('The two passphrases differ.');
  return first;
}

function prompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new Error('Cancelled.'));
          return;
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}
