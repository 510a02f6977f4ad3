import { describe, expect, it } from 'vitest';
import { NOW, TestOrg, creation } from '../../test/crypto/fixtures.ts';
import { applyChannelChange } from './applyChannelChange.ts';
import { nextStateFields, signChannelState } from './ChannelState.ts';
import { signWipeCommand, signWipeReceipt, verifyWipeCommand, verifyWipeReceipt } from './wipe.ts';
import { CryptoUsageError, SignatureError } from './errors.ts';

function setup() {
  const org = new TestOrg();
  org.member('lead', 2, ['lead']);
  org.member('alice', 2);
  org.member('so', 0, ['security-officer']);
  const lead = org.device('lead', 1);
  const alice = org.device('alice', 1);
  const so = org.device('so', 1);
  const view = org.trust.view(NOW);
  const r = applyChannelChange(null, creation(lead, [{ userId: 'lead', role: 'owner' }, { userId: 'alice', role: 'member' }]), view);
  if (r.kind !== 'accepted') throw new Error(r.reason);
  return { org, lead, alice, so, view, state: r.state };
}

describe('wipe command and receipt', () => {
  it('an owner\'s command verifies and a member\'s receipt for it verifies', () => {
    const { lead, alice, view, state } = setup();
    const cmd = verifyWipeCommand(signWipeCommand(lead.identity.privateKey, lead, state, NOW), state, view);
    expect(cmd.issuer).toEqual({ userId: 'lead', deviceId: 1 });
    const receipt = verifyWipeReceipt(signWipeReceipt(alice.identity.privateKey, alice, cmd, NOW + 5), cmd, view);
    expect(receipt.device).toEqual({ userId: 'alice', deviceId: 1 });
  });

  it('a security officer who is not a member may wipe; a plain member may not', () => {
    const { so, alice, view, state } = setup();
    expect(verifyWipeCommand(signWipeCommand(so.identity.privateKey, so, state, NOW), state, view).issuer.userId).toBe('so');
    expect(() => verifyWipeCommand(signWipeCommand(alice.identity.privateKey, alice, state, NOW), state, view)).toThrow(CryptoUsageError);
  });

  it('refuses a command signed with another key, or aimed at an older state', () => {
    const { org, lead, view, state } = setup();
    const mallory = org.device('mallory', 1);
    expect(() => verifyWipeCommand(signWipeCommand(mallory.identity.privateKey, lead, state, NOW), state, view)).toThrow(SignatureError);
    const old = signWipeCommand(lead.identity.privateKey, lead, state, NOW);
    const next = applyChannelChange(state, signChannelState(lead.identity.privateKey, nextStateFields(state, lead, NOW, { name: 'n' })), view);
    if (next.kind !== 'accepted') throw new Error(next.reason);
    expect(() => verifyWipeCommand(old, next.state, view)).toThrow(CryptoUsageError);
  });

  it('refuses a receipt forged for another device or for another command', () => {
    const { lead, alice, view, state } = setup();
    const cmd = verifyWipeCommand(signWipeCommand(lead.identity.privateKey, lead, state, NOW), state, view);
    expect(() => verifyWipeReceipt(signWipeReceipt(lead.identity.privateKey, alice, cmd, NOW), cmd, view)).toThrow(SignatureError);
    const other = verifyWipeCommand(signWipeCommand(lead.identity.privateKey, lead, state, NOW), state, view);
    expect(() => verifyWipeReceipt(signWipeReceipt(alice.identity.privateKey, alice, other, NOW), cmd, view)).toThrow(CryptoUsageError);
  });
});
