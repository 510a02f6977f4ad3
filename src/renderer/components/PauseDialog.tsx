import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/I18n.tsx';
import { Dialog } from './Dialog.tsx';

export function PauseDialog({ channelName, onPause, onClose }: { channelName: string; onPause(reason: string): Promise<boolean>; onClose(): void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim() && (await onPause(reason.trim()))) onClose();
  };
  return (
    <Dialog title={t('pause.title', { name: channelName })} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label>
          {t('pause.reason')}
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} autoFocus />
        </label>
        <div className="form__actions">
          <button type="button" onClick={onClose}>
            {t('create.cancel')}
          </button>
          <button type="submit" className="primary" disabled={!reason.trim()}>
            {t('pause.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
