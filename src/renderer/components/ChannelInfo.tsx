/** Members, their devices and safety numbers, and the policy of a channel (pure). */
import type { ChannelDetails } from '../../shared/api/schemas.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Dialog } from './Dialog.tsx';
import { PolicyBadges } from './PolicyBadges.tsx';
import { Name } from './Name.tsx';

export interface ChannelInfoProps {
  details: ChannelDetails | null;
  now: number;
  onVerify(userId: string, deviceId: string): void;
  onClose(): void;
  /** Whether screen capture can really be blocked here (status.captureBlockable). */
  captureBlockable?: boolean;
}

/** 60 digits shown as 12 groups of 5, the way people read them out. */
export function groupSafetyNumber(n: string): string {
  return (n.replace(/\D/g, '').match(/.{1,5}/g) ?? []).join(' ');
}

export function ChannelInfo({ details, now, onVerify, onClose, captureBlockable }: ChannelInfoProps) {
  const { t } = useI18n();
  return (
    <Dialog title={t('info.title')} onClose={onClose} wide>
      {details && (
        <div className="channel-info">
          <h3>{t('info.policy')}</h3>
          <PolicyBadges policy={details.policy} now={now} captureBlockable={captureBlockable} />
          <h3>{t('info.members')}</h3>
          <ul className="members">
            {details.members.map((m) => (
              <li key={m.userId}>
                <strong>
                  <Name text={m.displayName} />
                </strong> <span className="muted">{t(`info.role.${m.role}`)}</span>
                <ul className="devices" aria-label={t('info.devices')}>
                  {m.devices.map((d) => (
                    <li key={d.deviceId} className={d.identityChanged ? 'device device--changed' : 'device'}>
                      <code className="safety-number" aria-label={t('info.safetyNumber')}>
                        {groupSafetyNumber(d.safetyNumber)}
                      </code>
                      {d.revoked && <span className="badge badge--warn">{t('info.revoked')}</span>}
                      {d.identityChanged && <span className="badge badge--strong">{t('info.identityChanged')}</span>}
                      {d.verified && !d.identityChanged ? (
                        <span className="badge badge--neutral">{t('info.verified')}</span>
                      ) : (
                        !d.revoked && (
                          <button type="button" onClick={() => onVerify(m.userId, d.deviceId)}>
                            {t('info.markVerified')}
                          </button>
                        )
                      )}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="form__actions">
        <button type="button" className="primary" onClick={onClose}>
          {t('info.close')}
        </button>
      </div>
    </Dialog>
  );
}
