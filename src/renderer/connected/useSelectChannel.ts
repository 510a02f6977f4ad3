import { useCallback } from 'react';
import { useStores } from '../stores/Stores.tsx';

/** Opening a channel: select it, show the channel view, and its unread count goes. */
export function useSelectChannel(): (channelId: string) => void {
  const stores = useStores();
  return useCallback(
    (id: string) => {
      stores.channels.getState().select(id);
      stores.ui.getState().setView('channels');
      const c = stores.channels.getState().byId[id];
      if (c && c.unread > 0) stores.channels.setState((s) => ({ byId: { ...s.byId, [id]: { ...c, unread: 0 } } }));
    },
    [stores],
  );
}
