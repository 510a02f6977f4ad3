/**
 * Wipe with typed confirmation (the channel's name), then progress from signed receipts:
 * "Wiped on 13 of 14 devices — waiting for: …".
 */
import { useState, type FormEvent } from 'react';
import type { WipeStatus } from '../stores/channels.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Dialog } from './Dialog.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { Name } from './Name.tsx';
import { comparableName } from '../../shared/model/safeText.ts';

export interface WipeDialogProps {
  channelName: string;
  progress: { confirmed: number; total: number; status: WipeStatus | null } | null;
  onWipe(confirmName: string): Promise<boolean>;
  onClose(): void;
}

export function WipeDialog({ channelName, progress, onWipe, onClose }: WipeDialogProps) {
  const { t } = useI18n();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  // Compared as they look (NFKC); names hold no invisible characters, so nothing is stripped.
  const matches = typed.trim() !== '' && comparableName(typed.trim()) === comparableName(channelName);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!matches) return;
    setBusy(true);
    await onWipe(typed);
    setBusy(false);
  };
  return (
    <Dialog title={t('wipe.title', { name: channelName })} onClose={onClose}>
      {progress ? (
        <WipeProgress {...progress} onClose={onClose} />
      ) : (
        <form className="form" onSubmit={submit}>
          <p>{t('wipe.explain')}</p>
          <label>
            {t('wipe.typeName')}
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoFocus autoComplete="off" spellCheck={false} />
          </label>
          <div className="form__actions">
            <button type="button" onClick={onClose}>
              {t('wipe.cancel')}
            </button>
            <button type="submit" className="danger" disabled={busy || !matches}>
              {t('wipe.submit')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

function WipeProgress({ confirmed, total, status, onClose }: { confirmed: number; total: number; status: WipeStatus | null; onClose(): void }) {
  const { t } = useI18n();
  const waiting = status?.pending ?? [];
  const done = total > 0 && confirmed >= total;
  return (
    <div className="wipe-progress">
      <ProgressBar done={confirmed} total={total} label={t('progress.wipe', { done: confirmed, total })} />
      <p role="status" data-testid="wipe-status">
        {done ? t('wipe.complete', { done: confirmed, total }) : t('wipe.progress', { done: confirmed, total })}
        {!done && waiting.length > 0 && ' — ' + t('wipe.waiting', { devices: '' })}
        {!done &&
          waiting.map((p, i) => (
            <span key={p.deviceId}>
              {i > 0 && ', '}
              <Name text={p.displayName} /> ({p.deviceId.slice(0, 8)})
            </span>
          ))}
      </p>
      <div className="form__actions">
        <button type="button" className="primary" onClick={onClose}>
          {t('wipe.close')}
        </button>
      </div>
    </div>
  );
}
