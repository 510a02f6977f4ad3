/** The dialog the UI store says is open, connected to the stores it acts through. */
import { CreateChannelDialog } from '../components/CreateChannelDialog.tsx';
import { PauseDialog } from '../components/PauseDialog.tsx';
import { SearchPanel } from '../components/SearchPanel.tsx';
import { SettingsDialog } from '../components/SettingsDialog.tsx';
import { classificationsOf } from '../stores/session.ts';
import { selectSettings } from '../stores/settings.ts';
import { selectDialog } from '../stores/ui.ts';
import { useChannels, useSession, useSettings, useStores, useUi } from '../stores/Stores.tsx';
import { InfoDialog } from './InfoDialog.tsx';
import { useSelectChannel } from './useSelectChannel.ts';
import { WipeFlow } from './WipeFlow.tsx';
import { blocksScreenCapture } from '../../shared/model/policy.ts';
import { selectSelectedChannel } from '../stores/channels.ts';

export function Dialogs() {
  const stores = useStores();
  const status = useSession((s) => s.status)!;
  const dialog = useUi(selectDialog);
  const byId = useChannels((s) => s.byId);
  const settings = useSettings(selectSettings);
  const settingsError = useSettings((s) => s.error);
  const select = useSelectChannel();
  const selected = useChannels(selectSelectedChannel);
  const view = useUi((s) => s.view);
  const officer = status.me?.orgRoles.includes('security-officer') ?? false;
  const close = () => stores.ui.getState().close();
  switch (dialog?.kind) {
    case 'create':
      return status.me ? (
        <CreateChannelDialog
          levels={classificationsOf(status)}
          myUserId={status.me.userId}
          myClearance={status.me.clearance}
          loadCleared={(classification) => stores.channels.getState().cleared(classification)}
          onCreate={async (input) => (await stores.channels.getState().create({ ...input, direct: false })) !== null}
          onClose={close}
        />
      ) : null;
    case 'search':
      return (
        <SearchPanel
          search={(query) => stores.messages.getState().search(query)}
          channelName={(id) => byId[id]?.name ?? ''}
          isProtected={(id) => !byId[id] || blocksScreenCapture(byId[id].policy)}
          protectedOnScreen={!(officer && view === 'organisation') && !!selected && blocksScreenCapture(selected.policy)}
          onOpen={(id) => {
            close();
            select(id);
          }}
          onClose={close}
        />
      );
    case 'info':
      return <InfoDialog channelId={dialog.channelId} />;
    case 'pause':
      return byId[dialog.channelId] || dialog.name ? (
        <PauseDialog
          channelName={byId[dialog.channelId]?.name ?? dialog.name ?? ''}
          onPause={(reason) => (dialog.org ? stores.org.getState().pause(dialog.channelId, reason) : stores.channels.getState().pause(dialog.channelId, reason))}
          onClose={close}
        />
      ) : null;
    case 'wipe':
      return <WipeFlow channelId={dialog.channelId} name={dialog.name} />;
    case 'settings':
      return (
        <SettingsDialog
          settings={settings}
          error={settingsError}
          onSave={(patch) => stores.settings.getState().save(patch)}
          onClose={close}
        />
      );
    default:
      return null;
  }
}
