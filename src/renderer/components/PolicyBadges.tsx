/** What a channel's policy means for the reader, at a glance (recorded? disappearing? ending?). */
import { blocksScreenCapture, type ChannelPolicy } from '../../shared/model/policy.ts';
import { formatDuration } from '../i18n/catalogue.ts';
import { useI18n } from '../i18n/I18n.tsx';

export interface Badge {
  key: string;
  text: string;
  tone: 'neutral' | 'warn' | 'strong';
}

/**
 * `captureBlockable`: whether this system really keeps captures out (the engine's status says so;
 * not on Linux nor in a browser). Without it the badge says protection is not possible here.
 */
export function PolicyBadges({ policy, now, captureBlockable = false }: { policy: ChannelPolicy; now: number; captureBlockable?: boolean }) {
  const { t, lang } = useI18n();
  const badges: Badge[] = [];
  if (policy.recording === 'off-the-record') badges.push({ key: 'otr', text: t('policy.offTheRecord'), tone: 'strong' });
  else if (policy.recording === 'archived') badges.push({ key: 'rec', text: t('policy.archived'), tone: 'neutral' });
  else badges.push({ key: 'rec', text: t('policy.recorded'), tone: 'neutral' });
  if (policy.messageLifetimeMs > 0) {
    badges.push({ key: 'life', text: t('policy.disappears', { duration: formatDuration(lang, policy.messageLifetimeMs) }), tone: 'warn' });
  }
  if (policy.burnAfterReading) badges.push({ key: 'burn', text: t('policy.burn'), tone: 'warn' });
  if (policy.endsAtMs > 0) {
    const left = policy.endsAtMs - now;
    badges.push({
      key: 'end',
      text: left > 0 ? t('policy.endsIn', { duration: formatDuration(lang, left) }) : t('policy.ended'),
      tone: 'warn',
    });
  }
  if (!policy.allowCopy) badges.push({ key: 'copy', text: t('policy.noCopy'), tone: 'neutral' });
  if (blocksScreenCapture(policy)) {
    badges.push(captureBlockable ? { key: 'capture', text: t('policy.captureBlocked'), tone: 'neutral' } : { key: 'capture', text: t('policy.captureNotBlockable'), tone: 'warn' });
  }
  return (
    <ul className="policy-badges" aria-label={t('policy.badges')}>
      {badges.map((b) => (
        <li key={b.key} className={`badge badge--${b.tone}`} data-badge={b.key}>
          {b.text}
        </li>
      ))}
    </ul>
  );
}
