/** The store-connected shell: which screen, the workspace, and the dialogs. */
import { useCallback, useEffect, useState } from 'react';
import type { ChannelDetails, Settings } from '../shared/api/schemas.ts';
import type { OrgRole } from '../shared/model/roles.ts';
import { DEFAULT_SETTINGS } from '../shared/api/schemas.ts';
import { reportVisibleChannel } from './api/connect.ts';
import { ChannelHeader } from './components/ChannelHeader.tsx';
import { ChannelInfo } from './components/ChannelInfo.tsx';
import { ChannelList, levelOf } from './components/ChannelList.tsx';
import { ClassificationBanner } from './components/ClassificationBanner.tsx';
import { Composer } from './components/Composer.tsx';
import { CreateChannelDialog } from './components/CreateChannelDialog.tsx';
import { MessageList } from './components/MessageList.tsx';
import { OrgView } from './components/OrgView.tsx';
import { EnrolmentRequests, type EnrolmentRequest } from './components/EnrolmentRequests.tsx';
import { PauseDialog } from './components/PauseDialog.tsx';
import { ProgressBar } from './components/ProgressBar.tsx';
import { EnrolmentScreen, FirstRunScreen, UnlockScreen } from './components/Screens.tsx';
import { SearchPanel } from './components/SearchPanel.tsx';
import { SettingsDialog } from './components/SettingsDialog.tsx';
import { errorMessage } from './stores/errorMessage.ts';
import { useIdleLock } from './ui/useIdleLock.ts';
import { WipeDialog } from './components/WipeDialog.tsx';
import { LANGUAGES, type Language } from './i18n/catalogue.ts';
import { I18nProvider, useErrorText, useI18n } from './i18n/I18n.tsx';
import { classificationsOf } from './stores/session.ts';
import { useChannels, useMessages, useOrg, useSession, useStores, useUi } from './stores/Stores.tsx';
import { blocksScreenCapture } from '../shared/model/policy.ts';

export function App() {
  const lang = useUi((s) => s.lang);
  return (
    <I18nProvider lang={lang}>
      <Root />
    </I18nProvider>
  );
}

function Root() {
  const { t } = useI18n();
  const { session } = useStores();
  const status = useSession((s) => s.status);
  const busy = useSession((s) => s.busy);
  const code = useSession((s) => s.comparisonCode);
  const disconnected = useSession((s) => s.disconnected);
  const errorText = useErrorText();
  const error = useSession((s) => s.error && errorText(s.error));
  useEffect(() => {
    void session.getState().refresh();
  }, [session]);

  if (disconnected) return <main className="centre"><p role="alert" className="error">{t('app.disconnected')}</p></main>;
  if (!status) return <main className="centre"><p className="muted">{t('app.loading')}</p></main>;
  switch (status.state) {
    case 'no-profile':
      return (
        <FirstRunScreen
          busy={busy}
          error={error}
          providers={window.valise ? ['os-keystore', 'passphrase', 'tpm', 'pkcs11'] : ['passphrase', 'tpm', 'pkcs11']}
          onStartLocal={(p) => void session.getState().startLocal(p)}
          onJoin={(p) => void session.getState().join(p)}
        />
      );
    case 'enrolling':
      return <EnrolmentScreen code={code} />;
    case 'locked':
      return <UnlockScreen provider={status.keyProvider} busy={busy} error={error} onUnlock={(p) => void session.getState().unlock(p)} />;
    case 'unlocked':
      return <Workspace />;
  }
}

function Workspace() {
  const { t } = useI18n();
  const stores = useStores();
  const { api } = stores;
  const status = useSession((s) => s.status)!;
  const levels = classificationsOf(status);
  const byId = useChannels((s) => s.byId);
  const selectedId = useChannels((s) => s.selectedId);
  const dialog = useUi((s) => s.dialog);
  const view = useUi((s) => s.view);
  const officer = status.me?.orgRoles.includes('security-officer') ?? false;
  const sync = useUi((s) => s.sync);
  const lang = useUi((s) => s.lang);
  const channelsError = useChannels((s) => s.error);
  const messagesError = useMessages((s) => s.error);
  const channels = Object.values(byId);
  const selected = selectedId ? byId[selectedId] : undefined;
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  useEffect(() => {
    void api.call('getSettings').then(setSettings, () => undefined);
  }, [api]);
  const lockNow = useCallback(() => void stores.session.getState().lock(), [stores]);
  useIdleLock(settings.autoLockMinutes, lockNow);

  useEffect(() => {
    void stores.channels.getState().load();
    const timer = setInterval(() => stores.ui.getState().tick(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, [stores]);

  const select = useCallback(
    (id: string) => {
      stores.channels.getState().select(id);
      stores.ui.getState().setView('channels');
      const c = stores.channels.getState().byId[id];
      if (c && c.unread > 0) stores.channels.setState((s) => ({ byId: { ...s.byId, [id]: { ...c, unread: 0 } } }));
    },
    [stores],
  );

  const error = channelsError ?? messagesError;
  const errorText = useErrorText();
  return (
    <div className="workspace">
      <aside className="sidebar">
        <div className="sidebar__head">
          <span className="brand">Valise</span>
          {status.org?.local && <span className="local-org" title={t('app.localOrg')}>{t('app.localOrg')}</span>}
          <span className={`connection connection--${status.connection}`} role="status">
            {t(`connection.${status.connection}`)}
          </span>
        </div>
        <div className="sidebar__actions">
          {/* Creating channels is the lead's right (the engine and every member enforce it). */}
          {status.me?.orgRoles.includes('lead') && (
            <button type="button" className="primary" onClick={() => stores.ui.getState().open({ kind: 'create' })}>
              {t('nav.newChannel')}
            </button>
          )}
          <button type="button" onClick={() => stores.ui.getState().open({ kind: 'search' })}>
            {t('nav.search')}
          </button>
          {officer && (
            <button type="button" aria-pressed={view === 'organisation'} onClick={() => stores.ui.getState().setView(view === 'organisation' ? 'channels' : 'organisation')}>
              {t('nav.organisation')}
            </button>
          )}
        </div>
        {sync && <ProgressBar done={sync.done} total={sync.total} label={t('progress.catchUp', sync)} />}
        <ChannelList channels={channels} levels={levels} selectedId={selectedId} onSelect={select} />
        <div className="sidebar__foot">
          <span className="me">{status.me?.displayName}</span>
          <select aria-label={t('lang.label')} value={lang} onChange={(e) => stores.ui.getState().setLang(e.target.value as Language)}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {l.toUpperCase()}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => stores.ui.getState().open({ kind: 'settings' })}>
            {t('nav.settings')}
          </button>
          <button type="button" onClick={lockNow}>
            {t('nav.lock')}
          </button>
        </div>
      </aside>
      <main className="channel-view">
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
      {dialog?.kind === 'create' && status.me && (
        <CreateChannelDialog
          levels={levels}
          myUserId={status.me.userId}
          myClearance={status.me.clearance}
          loadCleared={async (classification) => (await api.call('listCleared', { classification })).people}
          onCreate={async (input) => (await stores.channels.getState().create({ ...input, direct: false })) !== null}
          onClose={() => stores.ui.getState().close()}
        />
      )}
      {dialog?.kind === 'search' && (
        <SearchPanel
          search={async (query) => (await api.call('search', { query })).hits}
          channelName={(id) => byId[id]?.name ?? ''}
          isProtected={(id) => !byId[id] || blocksScreenCapture(byId[id].policy)}
          protectedOnScreen={!(officer && view === 'organisation') && !!selected && blocksScreenCapture(selected.policy)}
          onOpen={(id) => {
            stores.ui.getState().close();
            select(id);
          }}
          onClose={() => stores.ui.getState().close()}
        />
      )}
      {dialog?.kind === 'info' && <InfoDialog channelId={dialog.channelId} />}
      {dialog?.kind === 'pause' && (byId[dialog.channelId] || dialog.name) && (
        <PauseDialog
          channelName={byId[dialog.channelId]?.name ?? dialog.name ?? ''}
          onPause={(reason) => (dialog.org ? stores.org.getState().pause(dialog.channelId, reason) : stores.channels.getState().pause(dialog.channelId, reason))}
          onClose={() => stores.ui.getState().close()}
        />
      )}
      {dialog?.kind === 'wipe' && <WipeFlow channelId={dialog.channelId} name={dialog.name} />}
      {dialog?.kind === 'settings' && (
        <SettingsDialog
          settings={settings}
          onSave={async (patch) => setSettings(await api.call('setSettings', patch))}
          onClose={() => stores.ui.getState().close()}
        />
      )}
    </div>
  );
}

function ChannelView({ channelId }: { channelId: string }) {
  const stores = useStores();
  const status = useSession((s) => s.status)!;
  const channel = useChannels((s) => s.byId[channelId])!;
  const now = useUi((s) => s.now);
  const entry = useMessages((s) => s.byChannel[channelId]);
  const level = levelOf(classificationsOf(status), channel.classification);
  const [exporting, setExporting] = useState(false);
  const exportChannel = async () => {
    setExporting(true);
    try {
      const file = await stores.api.call('export', { channelId, format: 'text' });
      const url = URL.createObjectURL(new Blob([file.content], { type: file.mime }));
      const a = document.createElement('a');
      a.href = url;
      a.download = file.fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      stores.channels.setState({ error: errorMessage(e) });
    } finally {
      setExporting(false);
    }
  };
  const loadOlder = useCallback(() => void stores.messages.getState().loadOlder(channelId), [stores, channelId]);
  useEffect(() => {
    void stores.messages.getState().open(channelId).then(() => stores.messages.getState().markRead(channelId));
    reportVisibleChannel(channelId);
    return () => reportVisibleChannel(null);
  }, [stores, channelId]);
  const count = entry?.list.length ?? 0;
  useEffect(() => {
    if (count > 0) void stores.messages.getState().markRead(channelId);
  }, [stores, channelId, count]);
  return (
    <section className="channel" aria-label={channel.name} data-classification={level.label}>
      <ClassificationBanner level={level} position="top" />
      <ChannelHeader
        channel={channel}
        now={now}
        onInfo={() => stores.ui.getState().open({ kind: 'info', channelId })}
        onPause={() => stores.ui.getState().open({ kind: 'pause', channelId })}
        onResume={() => void stores.channels.getState().resume(channelId)}
        onWipe={() => stores.ui.getState().open({ kind: 'wipe', channelId })}
        onExport={exportChannel}
        exporting={exporting}
        captureBlockable={status.captureBlockable ?? false}
      />
      <MessageList
        channelName={channel.name}
        messages={entry?.list ?? []}
        allowCopy={channel.can.copy && channel.policy.allowCopy}
        hasOlder={entry?.nextCursor != null}
        loadingOlder={entry?.loading ?? false}
        onNearTop={loadOlder}
      />
      <Composer channel={channel} sendOnEnter={DEFAULT_SETTINGS.sendOnEnter} onSend={(text, attachments) => stores.messages.getState().send(channelId, text, attachments)} />
      <ClassificationBanner level={level} position="bottom" />
    </section>
  );
}

function InfoDialog({ channelId }: { channelId: string }) {
  const { api, ui } = useStores();
  const now = useUi((s) => s.now);
  const captureBlockable = useSession((s) => s.status?.captureBlockable) ?? false;
  const [details, setDetails] = useState<ChannelDetails | null>(null);
  const reload = useCallback(() => void api.call('channelDetails', { channelId }).then(setDetails, () => undefined), [api, channelId]);
  useEffect(reload, [reload]);
  return (
    <ChannelInfo
      details={details}
      now={now}
      onVerify={(userId, deviceId) => void api.call('verifySafetyNumber', { userId, deviceId }).then(reload, () => undefined)}
      onClose={() => ui.getState().close()}
      captureBlockable={captureBlockable}
    />
  );
}

function WipeFlow({ channelId, name: given }: { channelId: string; name?: string | undefined }) {
  const stores = useStores();
  const channel = useChannels((s) => s.byId[channelId]);
  const wipe = useChannels((s) => s.wipes[channelId]);
  const name = channel?.name ?? wipe?.name ?? given ?? '';
  return (
    <WipeDialog
      channelName={name}
      progress={wipe ? { confirmed: wipe.confirmed, total: wipe.total, status: wipe.status } : null}
      onWipe={async (confirmName) => {
        const ok = await stores.channels.getState().wipe(channelId, confirmName);
        // The organisation view no longer lists a wiped channel.
        if (ok && stores.org.getState().channels) void stores.org.getState().load();
        return ok;
      }}
      onClose={() => stores.ui.getState().close()}
    />
  );
}

/** The organisation view for security officers: every channel, with pause, resume and wipe. */
function OrgPanel() {
  const stores = useStores();
  const status = useSession((s) => s.status)!;
  const channels = useOrg((s) => s.channels);
  const loading = useOrg((s) => s.loading);
  const error = useOrg((s) => s.error);
  const wipes = useChannels((s) => s.wipes);
  const errorText = useErrorText();
  useEffect(() => {
    void stores.org.getState().load();
  }, [stores]);
  const ui = stores.ui.getState();
  const local = status.org?.local ?? false;
  const [requests, setRequests] = useState<EnrolmentRequest[]>([]);
  const [approveError, setApproveError] = useState<string | null>(null);
  const loadRequests = useCallback(() => {
    if (local) void stores.api.call('listEnrolmentRequests').then((r) => setRequests(r.requests), (e: unknown) => setApproveError(errorMessage(e)));
  }, [stores, local]);
  useEffect(() => {
    loadRequests();
    // A new profile may ask at any moment; looking every few seconds also opens its request, so its code appears.
    const timer = setInterval(loadRequests, 5_000);
    return () => clearInterval(timer);
  }, [loadRequests]);
  const approve = async (requestId: string, comparisonCode: string, clearance: number, roles: OrgRole[]) => {
    setApproveError(null);
    try {
      await stores.api.call('approveEnrolment', { requestId, comparisonCode, clearance, roles });
      loadRequests();
      return true;
    } catch (e) {
      setApproveError(errorMessage(e));
      return false;
    }
  };
  const view = (
    <OrgView
      channels={channels}
      levels={classificationsOf(status)}
      loading={loading}
      error={error && errorText(error)}
      wipes={wipes}
      onRefresh={() => void stores.org.getState().load()}
      onPause={(c) => ui.open({ kind: 'pause', channelId: c.id, name: c.name, org: true })}
      onResume={(c) => void stores.org.getState().resume(c.id)}
      onWipe={(c) => ui.open({ kind: 'wipe', channelId: c.id, name: c.name })}
      onShowWipe={(id) => ui.open({ kind: 'wipe', channelId: id })}
    />
  );
  if (!local) return view;
  return (
    <div className="org-panel">
      {view}
      <div className="org">
        {approveError && (
          <p role="alert" className="error">
            {errorText(approveError)}
          </p>
        )}
        <EnrolmentRequests requests={requests} levels={classificationsOf(status)} onApprove={approve} />
      </div>
    </div>
  );
}
