/**
 * The fixed shell scripts Tpm2KeyProvider runs, one /bin/sh process per operation (see there why).
 * Arguments arrive as positional parameters ($1, $2), so no path or option is ever parsed as shell
 * text. stdin belongs to the one tool that reads a secret (tpm2_create: the key; tpm2_unseal: the
 * PIN); every other tool gets /dev/null. The exit code names the step that failed.
 */
export const TPM_EXIT = { primary: 10, create: 11, load: 12, unseal: 13, persist: 14, noTools: 20 } as const;

const FLUSH = 'tpm2_flushcontext -t </dev/null >/dev/null 2>&1';

function requireTools(names: string[]): string {
  return `for t in ${names.join(' ')}; do command -v "$t" >/dev/null 2>&1 || exit ${TPM_EXIT.noTools}; done`;
}

/** The owner hierarchy's default ECC P-256 primary (tpm2-tools' template): the parent of every sealed key. */
const PRIMARY = `tpm2_createprimary -C o -g sha256 -G ecc256 -c "$dir/primary.ctx" </dev/null >/dev/null || { ${FLUSH}; exit ${TPM_EXIT.primary}; }
${FLUSH} || exit ${TPM_EXIT.primary}`;

/** Attributes of the profile's own storage key: a restricted decryption key that never leaves the TPM. */
const STORAGE_KEY_ATTRS = 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt|noda';

export const TPM_SCRIPTS = {
  /**
   * $1 = work dir, $2 = PIN file or "", $3... = free-looking persistent handles to try in turn.
   * stdin: the 32-byte key. Creates a fresh storage key under the owner primary (random, so it can
   * never be re-derived), makes it persistent at the first handle the TPM accepts, and seals the key
   * under it. Writes $1/handle, $1/parent.name (the storage key's TPM name), $1/seal.pub, $1/seal.priv.
   */
  sealPersistent: `dir=$1; pinfile=$2; shift 2
${requireTools(['tpm2_createprimary', 'tpm2_flushcontext', 'tpm2_create', 'tpm2_evictcontrol', 'tpm2_readpublic'])}
${PRIMARY}
tpm2_create -C "$dir/primary.ctx" -G ecc256:null:aes128cfb -a '${STORAGE_KEY_ATTRS}' -c "$dir/parent.ctx" </dev/null >/dev/null || { ${FLUSH}; exit ${TPM_EXIT.create}; }
${FLUSH}
handle=
for h in "$@"; do
  if tpm2_evictcontrol -C o -c "$dir/parent.ctx" "$h" </dev/null >/dev/null 2>"$dir/evict.err"; then handle=$h; break; fi
  ${FLUSH}
done
${FLUSH}
[ -n "$handle" ] || { cat "$dir/evict.err" >&2; exit ${TPM_EXIT.persist}; }
printf %s "$handle" > "$dir/handle"
tpm2_readpublic -c "$handle" -n "$dir/parent.name" </dev/null >/dev/null || { tpm2_evictcontrol -C o -c "$handle" </dev/null >/dev/null 2>&1; exit ${TPM_EXIT.persist}; }
if [ -n "$pinfile" ]; then set -- -p "file:$pinfile"; else set --; fi
tpm2_create -C "$handle" -i - -u "$dir/seal.pub" -r "$dir/seal.priv" "$@" >/dev/null; rc=$?
${FLUSH}
[ "$rc" -eq 0 ] || { tpm2_evictcontrol -C o -c "$handle" </dev/null >/dev/null 2>&1; exit ${TPM_EXIT.create}; }`,

  /**
   * $1 = work dir holding seal.pub and seal.priv, $2 = "pin" when the object has a PIN (then stdin
   * is the PIN), $3 = the profile's persistent storage key handle. Prints the unsealed key on
   * stdout. Three tool runs: the parent is already in the TPM, nothing to derive.
   */
  unsealPersistent: `dir=$1; pin=$2; handle=$3
${requireTools(['tpm2_flushcontext', 'tpm2_load', 'tpm2_unseal'])}
tpm2_load -C "$handle" -u "$dir/seal.pub" -r "$dir/seal.priv" -c "$dir/seal.ctx" </dev/null >/dev/null || { ${FLUSH}; exit ${TPM_EXIT.load}; }
if [ -n "$pin" ]; then set -- -p file:-; else set --; fi
tpm2_unseal -c "$dir/seal.ctx" "$@"; rc=$?
${FLUSH}
[ "$rc" -eq 0 ] || exit ${TPM_EXIT.unseal}`,

  /**
   * $1 = work dir, $2 = persistent handle, $3 = the storage key's TPM name in lower-case hex.
   * Evicts the object at the handle only when it is that very key; prints "evicted", or "absent"
   * when the handle is empty or holds another object (then it is left alone).
   */
  evict: `dir=$1; handle=$2; want=$3
${requireTools(['tpm2_readpublic', 'tpm2_evictcontrol', 'od', 'tr', 'grep'])}
tpm2_readpublic -c "$handle" -n "$dir/name" </dev/null >/dev/null 2>"$dir/read.err" || {
  if grep -qiE '0x18b|handle is not correct' "$dir/read.err"; then echo absent; exit 0; fi
  cat "$dir/read.err" >&2; exit ${TPM_EXIT.load}; }
have=$(od -An -v -tx1 "$dir/name" | tr -d ' \n')
[ "$have" = "$want" ] || { echo absent; exit 0; }
tpm2_evictcontrol -C o -c "$handle" </dev/null >/dev/null || exit ${TPM_EXIT.persist}
echo evicted`,

  /**
   * Key files without a handle (sealed under the owner primary itself). $1 = work dir holding
   * seal.pub and seal.priv, $2 = "pin" when the object has a PIN (then stdin
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
