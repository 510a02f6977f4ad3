/** The user's settings: idle auto-lock, what notifications may show, and whether Enter sends. */
import { useState, type FormEvent } from 'react';
import type { Settings } from '../../shared/api/schemas.ts';
import { useErrorText, useI18n } from '../i18n/I18n.tsx';
import { Dialog } from './Dialog.tsx';

const NOTIFICATIONS = ['content', 'sender', 'none'] as const;

export interface SettingsDialogProps {
  settings: Settings;
  /** The error of the last save, if it failed (an API code or a message). */
  error?: string | null;
  /** True once saved; the dialog then closes. */
  onSave(s: Partial<Settings>): Promise<boolean>;
  onClose(): void;
}

export function SettingsDialog({ settings, error, onSave, onClose }: SettingsDialogProps) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [autoLock, setAutoLock] = useState(settings.autoLockMinutes);
  const [notifications, setNotifications] = useState(settings.notifications);
  const [sendOnEnter, setSendOnEnter] = useState(settings.sendOnEnter);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await onSave({ autoLockMinutes: autoLock, notifications, sendOnEnter })) onClose();
  };
  return (
    <Dialog title={t('settings.title')} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label>
          {t('settings.autoLock')}
          <input type="number" min={0} max={1440} value={autoLock} onChange={(e) => setAutoLock(Math.max(0, Math.min(1440, Number(e.target.value) || 0)))} />
        </label>
        <label>
          {t('settings.notifications')}
          <select value={notifications} onChange={(e) => setNotifications(e.target.value as Settings['notifications'])}>
            {NOTIFICATIONS.map((n) => (
              <option key={n} value={n}>
                {t(`settings.notifications.${n}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={sendOnEnter} onChange={(e) => setSendOnEnter(e.target.checked)} />
          {t('settings.sendOnEnter')}
        </label>
        {error && (
          <p role="alert" className="error">
            {errorText(error)}
          </p>
        )}
        <div className="form__actions">
          <button type="button" onClick={onClose}>
            {t('create.cancel')}
          </button>
          <button type="submit" className="primary">
            {t('settings.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
