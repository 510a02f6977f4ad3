/** The unlocked workspace: side bar, the open channel or the organisation view, errors, dialogs. */
import { useCallback, useEffect } from 'react';
import { Sidebar } from '../components/Sidebar.tsx';
import { useErrorText, useI18n } from '../i18n/I18n.tsx';
import { selectChannelList, selectSelectedChannel } from '../stores/channels.ts';
import { classificationsOf } from '../stores/session.ts';
import { selectAutoLockMinutes } from '../stores/settings.ts';
import { useChannels, useMessages, useSession, useSettings, useStores, useUi } from '../stores/Stores.tsx';
import { useIdleLock } from '../ui/useIdleLock.ts';
import { ChannelView } from './ChannelView.tsx';
import { ClockWarning } from './ClockWarning.tsx';
import { Dialogs } from './Dialogs.tsx';
import { OrgPanel } from './OrgPanel.tsx';
import { useSelectChannel } from './useSelectChannel.ts';

export function Workspace() {
  const { t } = useI18n();
  const stores = useStores();
  const status = useSession((s) => s.status)!;
  // The map is what changes; the list is derived from it here (a selector must not build a new array).
  const channels = selectChannelList({ byId: useChannels((s) => s.byId) });
  const selectedId = useChannels((s) => s.selectedId);
  const selected = useChannels(selectSelectedChannel);
  const view = useUi((s) => s.view);
  const sync = useUi((s) => s.sync);
  const lang = useUi((s) => s.lang);
  const officer = status.me?.orgRoles.includes('security-officer') ?? false;
  const channelsError = useChannels((s) => s.error);
  const messagesError = useMessages((s) => s.error);
  const error = channelsError ?? messagesError;
  const errorText = useErrorText();
  const autoLockMinutes = useSettings(selectAutoLockMinutes);
  const lockNow = useCallback(() => void stores.session.getState().lock(), [stores]);
  useIdleLock(autoLockMinutes, lockNow);
  const select = useSelectChannel();

  useEffect(() => {
    void stores.settings.getState().load();
    void stores.channels.getState().load();
    const timer = setInterval(() => stores.ui.getState().tick(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, [stores]);

  const ui = stores.ui.getState();
  return (
    <div className="workspace">
      <Sidebar
        status={status}
        channels={channels}
        levels={classificationsOf(status)}
        selectedId={selectedId}
        view={view}
        sync={sync}
        lang={lang}
        onSelect={select}
        onNewChannel={() => ui.open({ kind: 'create' })}
        onSearch={() => ui.open({ kind: 'search' })}
        onToggleOrganisation={() => ui.setView(view === 'organisation' ? 'channels' : 'organisation')}
        onLang={(l) => ui.setLang(l)}
        onSettings={() => ui.open({ kind: 'settings' })}
        onLock={lockNow}
      />
      <main className="channel-view">
        <ClockWarning />
        {officer && view === 'organisation' ? (
          <OrgPanel />
        ) : selected ? (
          <ChannelView key={selected.id} channelId={selected.id} />
        ) : (
          <p className="muted centre">{t('channel.none')}</p>
        )}
        {error && (
          <div className="toast" role="alert">
            <span>{errorText(error)}</span>
            <button type="button" onClick={() => { stores.channels.getState().clearError(); stores.messages.getState().clearError(); }}>
              {t('error.dismiss')}
            </button>
          </div>
        )}
      </main>
      <Dialogs />
    </div>
  );
}
