/** One open channel: banners, header actions, its messages and the composer (with my send-on-Enter setting). */
import { useCallback, useEffect, useState } from 'react';
import { reportVisibleChannel } from '../api/connect.ts';
import { ChannelHeader } from '../components/ChannelHeader.tsx';
import { levelOf } from '../components/ChannelList.tsx';
import { ClassificationBanner } from '../components/ClassificationBanner.tsx';
import { Composer } from '../components/Composer.tsx';
import { MessageList } from '../components/MessageList.tsx';
import { selectChannelMessages } from '../stores/messages.ts';
import { classificationsOf } from '../stores/session.ts';
import { selectSendOnEnter } from '../stores/settings.ts';
import { useChannels, useMessages, useSession, useSettings, useStores, useUi } from '../stores/Stores.tsx';

/** Hands a file to the browser to save (the shell decides where). */
function download(file: { content: string; mime: string; fileName: string }): void {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ChannelView({ channelId }: { channelId: string }) {
  const stores = useStores();
  const status = useSession((s) => s.status)!;
  const channel = useChannels((s) => s.byId[channelId])!;
  const now = useUi((s) => s.now);
  const entry = useMessages(selectChannelMessages(channelId));
  const sendOnEnter = useSettings(selectSendOnEnter);
  const level = levelOf(classificationsOf(status), channel.classification);
  const [exporting, setExporting] = useState(false);
  const exportChannel = async () => {
    setExporting(true);
    const file = await stores.channels.getState().exportText(channelId);
    if (file) download(file);
    setExporting(false);
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
  const ui = stores.ui.getState();
  return (
    <section className="channel" aria-label={channel.name} data-classification={level.label}>
      <ClassificationBanner level={level} position="top" />
      <ChannelHeader
        channel={channel}
        now={now}
        onInfo={() => ui.open({ kind: 'info', channelId })}
        onPause={() => ui.open({ kind: 'pause', channelId })}
        onResume={() => void stores.channels.getState().resume(channelId)}
        onWipe={() => ui.open({ kind: 'wipe', channelId })}
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
      <Composer channel={channel} sendOnEnter={sendOnEnter} onSend={(text, attachments) => stores.messages.getState().send(channelId, text, attachments)} />
      <ClassificationBanner level={level} position="bottom" />
    </section>
  );
}
