/** This device's prekeys on the relay: generated and uploaded once, topped up on each connection and when the relay runs low. */
import type { DeviceKeys } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import type { Settings } from '../../../storage/repositories/Settings.ts';

type Upload = Awaited<ReturnType<DeviceKeys['topUp']>>;

/** On each authenticated connection. */
export async function refreshPrekeys(c: RelayClient, keys: DeviceKeys, settings: Pick<Settings, 'get' | 'set'>, now: number): Promise<void> {
  const upload = settings.get('engine.prekeysReady')
    ? await keys.topUp(await c.request({ case: 'prekeyCount', value: {} }, 'prekeyCount'), now)
    : await keys.initialise(now);
  await uploadPrekeys(c, upload);
  settings.set('engine.prekeysReady', true);
}

export async function uploadPrekeys(c: RelayClient, u: Upload): Promise<void> {
  if (!u.signedPrekey && !u.kyberLastResort && u.oneTime.length === 0 && u.oneTimeKyber.length === 0) return;
  await c.request(
    {
      case: 'uploadPrekeys',
      value: {
        ...(u.signedPrekey ? { signedPrekey: u.signedPrekey } : {}),
        ...(u.kyberLastResort ? { kyberLastResort: u.kyberLastResort } : {}),
        oneTime: u.oneTime,
        oneTimeKyber: u.oneTimeKyber,
      },
    },
    'ok',
  );
}
