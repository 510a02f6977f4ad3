/** The screens before the workspace: first run, enrolment (comparison code) and unlock (pure). */
import { useState, type FormEvent, type ReactNode } from 'react';
import type { KeyProviderKind } from '../../shared/api/schemas.ts';
import { useI18n } from '../i18n/I18n.tsx';

function Centre({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="centre">
      <div className="card">
        <p className="brand">Valise</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export function UnlockScreen({ provider, busy, error, onUnlock }: { provider: KeyProviderKind | null; busy: boolean; error: string | null; onUnlock(passphrase?: string): void }) {
  const { t } = useI18n();
  const [passphrase, setPassphrase] = useState('');
  const needsPassphrase = provider === 'passphrase' || provider === null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onUnlock(needsPassphrase ? passphrase : undefined);
  };
  return (
    <Centre title={t('unlock.title')}>
      <p>{t('unlock.explain')}</p>
      <form className="form" onSubmit={submit}>
        {needsPassphrase && (
          <label>
            {t('unlock.passphrase')}
            <input type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus autoComplete="current-password" />
          </label>
        )}
        {error && <p role="alert" className="error">{error}</p>}
        <button type="submit" className="primary" disabled={busy || (needsPassphrase && !passphrase)}>
          {busy ? t('unlock.busy') : needsPassphrase ? t('unlock.submit') : t('unlock.hardware', { provider: t(`keyProvider.${provider}`) })}
        </button>
      </form>
    </Centre>
  );
}

export interface FirstRunProps {
  busy: boolean;
  error: string | null;
  /** Key providers this host offers (the OS key store only in the desktop app). */
  providers: readonly KeyProviderKind[];
  onStartLocal(p: { orgName: string; displayName: string; keyProvider: KeyProviderKind; passphrase?: string }): void;
  onJoin(p: { orgJson: string; relayUrl?: string; displayName: string; enrolmentToken?: string; keyProvider: KeyProviderKind; passphrase?: string }): void;
}

export function FirstRunScreen({ busy, error, providers, onStartLocal, onJoin }: FirstRunProps) {
  const { t } = useI18n();
  const [mode, setMode] = useState<'local' | 'join'>('local');
  const [keyProvider, setKeyProvider] = useState<KeyProviderKind>(providers[0] ?? 'passphrase');
  const needsSecret = keyProvider === 'passphrase' || keyProvider === 'pkcs11';
  const [orgName, setOrgName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [orgJson, setOrgJson] = useState('');
  const [relayUrl, setRelayUrl] = useState('');
  const [enrolmentToken, setEnrolmentToken] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const secret = needsSecret ? { passphrase } : {};
    if (mode === 'local') onStartLocal({ orgName, displayName, keyProvider, ...secret });
    else onJoin({ orgJson, relayUrl: relayUrl || undefined, displayName, ...(enrolmentToken ? { enrolmentToken } : {}), keyProvider, ...secret });
  };
  return (
    <Centre title={t('firstRun.title')}>
      <p>{t('firstRun.explain')}</p>
      <div className="segmented" role="radiogroup">
        <button type="button" role="radio" aria-checked={mode === 'local'} onClick={() => setMode('local')}>
          {t('firstRun.local')}
        </button>
        <button type="button" role="radio" aria-checked={mode === 'join'} onClick={() => setMode('join')}>
          {t('firstRun.join')}
        </button>
      </div>
      <form className="form" onSubmit={submit}>
        {mode === 'local' ? (
          <label>
            {t('firstRun.orgName')}
            <input value={orgName} onChange={(e) => setOrgName(e.target.value)} required maxLength={100} />
          </label>
        ) : (
          <>
            <label>
              {t('firstRun.orgFile')}
              <input
                type="file"
                accept="application/json,.json"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  if (f) void f.text().then(setOrgJson);
                }}
              />
            </label>
            <label>
              {t('firstRun.relay')}
              <input value={relayUrl} onChange={(e) => setRelayUrl(e.target.value)} placeholder="wss://" />
            </label>
            <label>
              {t('firstRun.enrolmentToken')}
              <input value={enrolmentToken} onChange={(e) => setEnrolmentToken(e.target.value)} maxLength={100} autoComplete="off" spellCheck={false} />
            </label>
          </>
        )}
        <label>
          {t('firstRun.displayName')}
          <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} required maxLength={100} />
        </label>
        <label>
          {t('firstRun.keyProvider')}
          <select value={keyProvider} onChange={(e) => setKeyProvider(e.target.value as KeyProviderKind)}>
            {providers.map((p) => (
              <option key={p} value={p}>
                {t(`keyProvider.${p}`)}
              </option>
            ))}
          </select>
        </label>
        {needsSecret && (
          <label>
            {keyProvider === 'pkcs11' ? t('firstRun.pin') : t('firstRun.passphrase')}
            <input type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} required minLength={keyProvider === 'pkcs11' ? 4 : 8} autoComplete="new-password" />
          </label>
        )}
        {error && <p role="alert" className="error">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>
          {mode === 'local' ? t('firstRun.submitLocal') : t('firstRun.submitJoin')}
        </button>
      </form>
    </Centre>
  );
}

export function EnrolmentScreen({ code }: { code: string | null }) {
  const { t } = useI18n();
  return (
    <Centre title={t('enrol.title')}>
      {code === null ? (
        // No code before the officer's nonce arrives: a code from the request alone could be forged.
        <p className="muted" role="status">
          {t('enrol.notOpened')}
        </p>
      ) : (
        <>
          <p>{t('enrol.explain')}</p>
          <p className="comparison-code" aria-label={t('enrol.code')} data-testid="comparison-code">
            {code}
          </p>
          <p className="muted" role="status">
            {t('enrol.waiting')}
          </p>
        </>
      )}
    </Centre>
  );
}
