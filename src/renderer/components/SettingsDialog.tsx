/** The user's settings: idle auto-lock and what notifications may show. */
import { useState, type FormEvent } from 'react';
import type { Settings } from '../../shared/api/schemas.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Dialog } from './Dialog.tsx';

const NOTIFICATIONS = ['content', 'sender', 'none'] as const;

export function SettingsDialog({ settings, onSave, onClose }: { settings: Settings; onSave(s: Partial<Settings>): Promise<void>; onClose(): void }) {
  const { t } = useI18n();
  const [autoLock, setAutoLock] = useState(settings.autoLockMinutes);
  const [notifications, setNotifications] = useState(settings.notifications);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await onSave({ autoLockMinutes: autoLock, notifications });
    onClose();
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
