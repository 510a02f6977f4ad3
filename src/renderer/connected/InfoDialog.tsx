/** Members, devices and safety numbers of one channel, read through the channels store. */
import { useCallback, useEffect, useState } from 'react';
import type { ChannelDetails } from '../../shared/api/schemas.ts';
import { ChannelInfo } from '../components/ChannelInfo.tsx';
import { useSession, useStores, useUi } from '../stores/Stores.tsx';

export function InfoDialog({ channelId }: { channelId: string }) {
  const { channels, ui } = useStores();
  const now = useUi((s) => s.now);
  const captureBlockable = useSession((s) => s.status?.captureBlockable) ?? false;
  const [details, setDetails] = useState<ChannelDetails | null>(null);
  const reload = useCallback(() => void channels.getState().details(channelId).then((d) => d && setDetails(d)), [channels, channelId]);
  useEffect(reload, [reload]);
  return (
    <ChannelInfo
      details={details}
      now={now}
      onVerify={(userId, deviceId) => void channels.getState().verifySafetyNumber(userId, deviceId).then((ok) => ok && reload())}
      onClose={() => ui.getState().close()}
      captureBlockable={captureBlockable}
    />
  );
}
