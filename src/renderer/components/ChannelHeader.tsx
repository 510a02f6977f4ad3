/** Channel title, policy badges and the actions this device may take here (pure). */
import type { ChannelSummary } from '../../shared/api/schemas.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { PolicyBadges } from './PolicyBadges.tsx';
import { Name } from './Name.tsx';

export interface ChannelHeaderProps {
  channel: ChannelSummary;
  now: number;
  onInfo(): void;
  onPause(): void;
  onResume(): void;
  onWipe(): void;
  onExport?(): void;
  exporting?: boolean;
  /** Whether screen capture can really be blocked here (status.captureBlockable). */
  captureBlockable?: boolean;
}

export function ChannelHeader({ channel, now, onInfo, onPause, onResume, onWipe, onExport, exporting, captureBlockable }: ChannelHeaderProps) {
  const { t } = useI18n();
  return (
    <header className="channel-header">
      <div className="channel-header__title">
        <h1>
          <Name text={channel.name} />
        </h1>
        <PolicyBadges policy={channel.policy} now={now} captureBlockable={captureBlockable} />
      </div>
      <div className="channel-header__actions">
        <button type="button" onClick={onInfo}>
          {t('channel.info')}
        </button>
        {channel.can.export && channel.policy.allowExport && onExport && (
          <button type="button" onClick={onExport} disabled={exporting} aria-busy={exporting}>
            {exporting ? t('channel.exporting') : t('channel.export')}
          </button>
        )}
        {channel.can.pause && channel.status === 'active' && (
          <button type="button" onClick={onPause}>
            {t('channel.pause')}
          </button>
        )}
        {channel.can.pause && channel.status === 'paused' && (
          <button type="button" onClick={onResume}>
            {t('channel.resume')}
          </button>
        )}
        {channel.can.wipe && (
          <button type="button" className="danger" onClick={onWipe}>
            {t('channel.wipe')}
          </button>
        )}
      </div>
    </header>
  );
}
