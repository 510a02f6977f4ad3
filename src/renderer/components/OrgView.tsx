/**
 * The security officer's view of the organisation (DESIGN.md §1): every live channel with its
 * classification, member count and status, and the officer's pause, resume and wipe — also for
 * channels the officer is not a member of (pure; OrgPanel connects it).
 */
import type { OrgChannel } from '../../shared/api/schemas.ts';
import type { ClassificationLevel } from '../../shared/model/classification.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { levelOf } from './ChannelList.tsx';
import { ClassificationTag } from './ClassificationBanner.tsx';
import { Name, NAME_SLOT, Sentence } from './Name.tsx';

export interface OrgViewProps {
  channels: readonly OrgChannel[] | null;
  levels: readonly ClassificationLevel[];
  loading: boolean;
  error: string | null;
  /** Wipes this device issued, by channel id: receipts so far. */
  wipes: Readonly<Record<string, { name: string; confirmed: number; total: number }>>;
  onRefresh(): void;
  onPause(c: OrgChannel): void;
  onResume(c: OrgChannel): void;
  onWipe(c: OrgChannel): void;
  onShowWipe(channelId: string): void;
}

export function OrgView({ channels, levels, loading, error, wipes, onRefresh, onPause, onResume, onWipe, onShowWipe }: OrgViewProps) {
  const { t } = useI18n();
  const live = new Set(channels?.map((c) => c.id) ?? []);
  const wiped = Object.entries(wipes).filter(([id]) => !live.has(id));
  return (
    <section className="org" aria-labelledby="org-title">
      <header className="org__head">
        <div>
          <h1 id="org-title">{t('org.title')}</h1>
          <p className="muted">{t('org.explain')}</p>
        </div>
        <button type="button" onClick={onRefresh} disabled={loading}>
          {loading ? t('org.loading') : t('org.refresh')}
        </button>
      </header>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {channels && channels.length === 0 && <p className="muted">{t('org.empty')}</p>}
      {channels && channels.length > 0 && (
        <table className="org__table">
          <thead>
            <tr>
              <th scope="col">{t('org.name')}</th>
              <th scope="col">{t('org.classification')}</th>
              <th scope="col">{t('org.members')}</th>
              <th scope="col">{t('org.status')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('org.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {channels.map((c) => {
              const level = levelOf(levels, c.classification);
              return (
                <tr key={c.id} data-channel={c.id}>
                  <th scope="row">
                    <Name text={c.name} />
                    {!c.member && <span className="org__note">{t('org.notMember')}</span>}
                  </th>
                  <td>
                    <ClassificationTag level={level} /> <span className="org__label">{level.label}</span>
                  </td>
                  <td>{c.membersCount}</td>
                  <td>
                    {c.status === 'paused' ? (
                      <span className="channel-item__paused" title={c.pausedReason ?? undefined}>
                        {c.pausedReason ? <Sentence text={t('org.pausedBecause', { reason: NAME_SLOT })} name={c.pausedReason} /> : t('org.status.paused')}
                      </span>
                    ) : (
                      t(`org.status.${c.status}`)
                    )}
                  </td>
                  <td className="org__actions">
                    {c.status === 'paused' ? (
                      <button type="button" onClick={() => onResume(c)} aria-label={t('org.resumeNamed', { name: c.name })}>
                        {t('channel.resume')}
                      </button>
                    ) : (
                      <button type="button" onClick={() => onPause(c)} aria-label={t('org.pauseNamed', { name: c.name })}>
                        {t('channel.pause')}
                      </button>
                    )}
                    <button type="button" className="danger" onClick={() => onWipe(c)} aria-label={t('org.wipeNamed', { name: c.name })}>
                      {t('channel.wipe')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {wiped.length > 0 && (
        <>
          <h2 className="org__subtitle">{t('org.wipesIssued')}</h2>
          <ul className="org__wipes">
            {wiped.map(([id, w]) => (
              <li key={id}>
                <button type="button" onClick={() => onShowWipe(id)}>
                  {w.name}: {w.total > 0 && w.confirmed >= w.total ? t('wipe.complete', { done: w.confirmed, total: w.total }) : t('wipe.progress', { done: w.confirmed, total: w.total })}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
