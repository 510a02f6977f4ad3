/** Wiping a channel, then following its receipts (also from the organisation view). */
import { WipeDialog } from '../components/WipeDialog.tsx';
import { useChannels, useStores } from '../stores/Stores.tsx';

export function WipeFlow({ channelId, name: given }: { channelId: string; name?: string | undefined }) {
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
