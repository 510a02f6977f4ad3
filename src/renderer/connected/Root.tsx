/** Which screen the app shows: first run, waiting for enrolment, locked, or the workspace. */
import { useEffect } from 'react';
import { EnrolmentScreen, FirstRunScreen, UnlockScreen } from '../components/Screens.tsx';
import { useErrorText, useI18n } from '../i18n/I18n.tsx';
import { useSession, useStores } from '../stores/Stores.tsx';
import { Workspace } from './Workspace.tsx';

export function Root() {
  const { t } = useI18n();
  const { session } = useStores();
  const status = useSession((s) => s.status);
  const busy = useSession((s) => s.busy);
  const code = useSession((s) => s.comparisonCode);
  const disconnected = useSession((s) => s.disconnected);
  const errorText = useErrorText();
  const error = useSession((s) => s.error && errorText(s.error));
  useEffect(() => {
    void session.getState().refresh();
  }, [session]);

  if (disconnected) return <main className="centre"><p role="alert" className="error">{t('app.disconnected')}</p></main>;
  if (!status) return <main className="centre"><p className="muted">{t('app.loading')}</p></main>;
  switch (status.state) {
    case 'no-profile':
      return (
        <FirstRunScreen
          busy={busy}
          error={error}
          providers={window.valise ? ['os-keystore', 'passphrase', 'tpm', 'pkcs11'] : ['passphrase', 'tpm', 'pkcs11']}
          onStartLocal={(p) => void session.getState().startLocal(p)}
          onJoin={(p) => void session.getState().join(p)}
        />
      );
    case 'enrolling':
      return <EnrolmentScreen code={code} />;
    case 'locked':
      return <UnlockScreen provider={status.keyProvider} busy={busy} error={error} onUnlock={(p) => void session.getState().unlock(p)} />;
    case 'unlocked':
      return <Workspace />;
  }
}
