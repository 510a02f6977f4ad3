/**
 * Where the root key's passphrase comes from: `--passphrase-file`, the VALISE_ADMIN_PASSPHRASE
 * environment variable (scripts, CI), or a prompt on the terminal with echo off. On creation the
 * rule (at least 12 characters) is said before typing, and a short one is asked again at once.
 */
import fs from 'node:fs';
import { CliError } from '../CliError.ts';
import { EXIT } from '../exitCodes.ts';
import { canPrompt, promptHidden } from '../promptHidden.ts';

export const MIN_ADMIN_PASSPHRASE = 12;

export async function getPassphrase(opts: { passphraseFile?: string | undefined; confirm?: boolean }): Promise<string> {
  if (opts.passphraseFile) return fs.readFileSync(opts.passphraseFile, 'utf8').replace(/\r?\n$/, '');
  const env = process.env.VALISE_ADMIN_PASSPHRASE;
  if (env) return env;
  if (!canPrompt()) {
    throw new CliError('NO_PASSPHRASE', EXIT.locked, 'No passphrase: give --passphrase-file FILE or set VALISE_ADMIN_PASSPHRASE (there is no terminal to ask on).');
  }
  if (!opts.confirm) return promptHidden('Root key passphrase: ');
  process.stderr.write(`Choose a passphrase for the organisation root key (at least ${MIN_ADMIN_PASSPHRASE} characters; nothing is shown as you type).\n`);
  for (;;) {
    const first = await promptHidden('Root key passphrase: ');
    if (first.length < MIN_ADMIN_PASSPHRASE) {
      process.stderr.write(`That is ${first.length} characters; at least ${MIN_ADMIN_PASSPHRASE} are needed. Try again.\n`);
      continue;
    }
    if ((await promptHidden('Repeat the passphrase: ')) !== first) throw new CliError('PASSPHRASE_MISMATCH', EXIT.usage, 'The two passphrases differ. Nothing was created; run the command again.');
    return first;
  }
}
