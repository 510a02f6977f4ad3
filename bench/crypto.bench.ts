/**
 * Crypto benchmark. Measures raw libsignal on this machine (the limits later figures are divided by).
 * The crypto layer adds its own wrapper figures next to these.
 */
import { withRatio, opsPerSecond, opsPerSecondOver, type Figure } from './lib/report.ts';
import { rawSenderKeyPair, rawSessionPair, rawSessionSetup } from './lib/rawSignal.ts';

export async function run(): Promise<Figure[]> {
  const payload = new Uint8Array(256).fill(7);
  const pair = await rawSessionPair(payload);
  const enc = await opsPerSecond(() => pair.encrypt());
  const ciphertexts: Uint8Array[] = [];
  for (let i = 0; i < 3000; i++) ciphertexts.push(await pair.encrypt());
  const dec = await opsPerSecondOver(ciphertexts.length, (i) => pair.decrypt(ciphertexts[i]!));

  const group = await rawSenderKeyPair(payload);
  const genc = await opsPerSecond(() => group.encrypt());
  const gcts: Uint8Array[] = [];
  for (let j = 0; j < 3000; j++) gcts.push(await group.encrypt());
  const gdec = await opsPerSecondOver(gcts.length, (i) => group.decrypt(gcts[i]!));

  const setup = await opsPerSecond(() => rawSessionSetup(payload), 1500, 20);

  return [
    { name: 'raw libsignal 1:1 encrypt (256 B)', value: enc, unit: 'msg/s' },
    { name: 'raw libsignal 1:1 decrypt (256 B)', value: dec, unit: 'msg/s' },
    { name: 'raw libsignal sender-key encrypt (256 B)', value: genc, unit: 'msg/s' },
    { name: 'raw libsignal sender-key decrypt (256 B)', value: gdec, unit: 'msg/s' },
    { name: 'raw libsignal session setup (bundle + first message)', value: setup, unit: 'setups/s' },
  ].map((f) => withRatio(f));
}
