/**
 * The fixed shell scripts Tpm2KeyProvider runs, one /bin/sh process per operation (see there why).
 * Arguments arrive as positional parameters ($1, $2), so no path or option is ever parsed as shell
 * text. stdin belongs to the one tool that reads a secret (tpm2_create: the key; tpm2_unseal: the
 * PIN); every other tool gets /dev/null. The exit code names the step that failed.
 */
export const TPM_EXIT = { primary: 10, create: 11, load: 12, unseal: 13, noTools: 20 } as const;

const FLUSH = 'tpm2_flushcontext -t </dev/null >/dev/null 2>&1';

function requireTools(names: string[]): string {
  return `for t in ${names.join(' ')}; do command -v "$t" >/dev/null 2>&1 || exit ${TPM_EXIT.noTools}; done`;
}

/** The owner hierarchy's default ECC P-256 primary (tpm2-tools' template): the parent of every sealed key. */
const PRIMARY = `tpm2_createprimary -C o -g sha256 -G ecc256 -c "$dir/primary.ctx" </dev/null >/dev/null || { ${FLUSH}; exit ${TPM_EXIT.primary}; }
${FLUSH} || exit ${TPM_EXIT.primary}`;

export const TPM_SCRIPTS = {
  /** $1 = work dir, $2 = PIN file or "". stdin: the 32-byte key. Writes $1/seal.pub and $1/seal.priv. */
  seal: `dir=$1; pinfile=$2
${requireTools(['tpm2_createprimary', 'tpm2_flushcontext', 'tpm2_create'])}
${PRIMARY}
if [ -n "$pinfile" ]; then set -- -p "file:$pinfile"; else set --; fi
tpm2_create -C "$dir/primary.ctx" -i - -u "$dir/seal.pub" -r "$dir/seal.priv" "$@" >/dev/null; rc=$?
${FLUSH}
[ "$rc" -eq 0 ] || exit ${TPM_EXIT.create}`,

  /**
   * $1 = work dir holding seal.pub and seal.priv, $2 = "pin" when the object has a PIN (then stdin
   * is the PIN). Prints the unsealed key on stdout. After the primary is flushed, tpm2_load leaves
   * two objects loaded and tpm2_unseal adds the third, which fits a TPM without resource manager.
   */
  unseal: `dir=$1; pin=$2
${requireTools(['tpm2_createprimary', 'tpm2_flushcontext', 'tpm2_load', 'tpm2_unseal'])}
${PRIMARY}
tpm2_load -C "$dir/primary.ctx" -u "$dir/seal.pub" -r "$dir/seal.priv" -c "$dir/seal.ctx" </dev/null >/dev/null || { ${FLUSH}; exit ${TPM_EXIT.load}; }
if [ -n "$pin" ]; then set -- -p file:-; else set --; fi
tpm2_unseal -c "$dir/seal.ctx" "$@"; rc=$?
${FLUSH}
[ "$rc" -eq 0 ] || exit ${TPM_EXIT.unseal}`,
} as const;
