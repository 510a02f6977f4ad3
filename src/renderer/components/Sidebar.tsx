/** The workspace's side bar: connection, actions my roles allow, catch-up progress, channels, me. */
import type { ChannelSummary, Status } from '../../shared/api/schemas.ts';
import type { ClassificationLevel } from '../../shared/model/classification.ts';
import { LANGUAGES, type Language } from '../i18n/catalogue.ts';
import { useI18n } from '../i18n/I18n.tsx';
import type { MainView } from '../stores/ui.ts';
import { ChannelList } from './ChannelList.tsx';
import { ProgressBar } from './ProgressBar.tsx';

export interface SidebarProps {
  status: Status;
  channels: ChannelSummary[];
  levels: readonly ClassificationLevel[];
  selectedId: string | null;
  view: MainView;
  sync: { done: number; total: number } | null;
  lang: Language;
  onSelect(channelId: string): void;
  onNewChannel(): void;
  onSearch(): void;
  onToggleOrganisation(): void;
  onLang(lang: Language): void;
  onSettings(): void;
  onLock(): void;
}

export function Sidebar(p: SidebarProps) {
  const { t } = useI18n();
  const roles = p.status.me?.orgRoles ?? [];
  return (
    <aside className="sidebar">
      <div className="sidebar__head">
        <span className="brand">Valise</span>
        {p.status.org?.local && <span className="local-org" title={t('app.localOrg')}>{t('app.localOrg')}</span>}
        <span className={`connection connection--${p.status.connection}`} role="status">
          {t(`connection.${p.status.connection}`)}
        </span>
      </div>
      <div className="sidebar__actions">
        {/* Creating channels is the lead's right (the engine and every member enforce it). */}
        {roles.includes('lead') && (
          <button type="button" className="primary" onClick={p.onNewChannel}>
            {t('nav.newChannel')}
          </button>
        )}
        <button type="button" onClick={p.onSearch}>
          {t('nav.search')}
        </button>
        {roles.includes('security-officer') && (
          <button type="button" aria-pressed={p.view === 'organisation'} onClick={p.onToggleOrganisation}>
            {t('nav.organisation')}
          </button>
        )}
      </div>
      {p.sync && <ProgressBar done={p.sync.done} total={p.sync.total} label={t('progress.catchUp', p.sync)} />}
      <ChannelList channels={p.channels} levels={p.levels} selectedId={p.selectedId} onSelect={p.onSelect} />
      <div className="sidebar__foot">
        <span className="me">{p.status.me?.displayName}</span>
        <select aria-label={t('lang.label')} value={p.lang} onChange={(e) => p.onLang(e.target.value as Language)}>
          {LANGUAGES.map((l) => (
            <option key={l} value={l}>
              {l.toUpperCase()}
            </option>
          ))}
        </select>
        <button type="button" onClick={p.onSettings}>
          {t('nav.settings')}
        </button>
        <button type="button" onClick={p.onLock}>
          {t('nav.lock')}
        </button>
      </div>
    </aside>
  );
}
