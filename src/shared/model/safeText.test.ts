import { describe, expect, it } from 'vitest';
import { comparableName, isSafeText, revealUnsafe, unsafeCharacterIn } from './safeText.ts';
import { looksAlike } from './lookAlike.ts';

describe('names a reader can trust', () => {
  it('refuses text-direction overrides and isolates', () => {
    for (const c of ['\u202E', '\u202D', '\u2066', '\u2067', '\u2068', '\u2069', '\u200F', '\u061C']) {
      expect(isSafeText(`Alice${c}gnp.exe`), `U+${c.codePointAt(0)!.toString(16)}`).toBe(false);
    }
    expect(unsafeCharacterIn('Alice\u202Eexe')).toBe('U+202E');
  });

  it('refuses zero-width and other invisible characters', () => {
    for (const c of ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u034F', '\u3164', '\u115F', '\uFE0F', '\u{E0041}']) {
      expect(isSafeText(`Ro${c}om 4`), `U+${c.codePointAt(0)!.toString(16)}`).toBe(false);
    }
  });

  it('refuses control characters (terminal escapes, newlines) and separators', () => {
    for (const s of ['\u001b[31mBob', 'Bob\nAlice: yes', 'Bob\r', 'a\u0085b', 'a\u2028b', 'a\u2029b', 'a\tb', 'a\u0000']) {
      expect(isSafeText(s), JSON.stringify(s)).toBe(false);
    }
  });

  it('accepts names in any script, with accents and spaces', () => {
    for (const s of ['Alice Martin', 'Élodie Faure-Dubois', 'Ирина', 'محمد', 'שרה', '李小龍', 'Room 4 (final)', "O'Brien"]) {
      expect(isSafeText(s), s).toBe(true);
    }
  });

  it('compares a typed confirmation after NFKC, removing nothing', () => {
    expect(comparableName('Ｒｏｏｍ ４')).toBe(comparableName('Room 4'));
    expect(comparableName('Room\u200B4')).not.toBe(comparableName('Room4'));
  });

  it('shows what it hides when old text must be displayed', () => {
    expect(revealUnsafe('Bob\u202Eexe')).toBe('Bob<U+202E>exe');
  });
});

describe('look-alike names', () => {
  it('catches a Cyrillic or full-width twin', () => {
    expect(looksAlike('Аnna', 'Anna')).toBe(true);
    expect(looksAlike('ｂｏｂ', 'Bob')).toBe(true);
    expect(looksAlike('раураl', 'paypal')).toBe(true);
  });

  it('tells different names apart', () => {
    expect(looksAlike('Anna', 'Hanna')).toBe(false);
    expect(looksAlike('Bob', 'Rob')).toBe(false);
  });
});

describe('the API refuses disguised names at its boundary', async () => {
  const { API_METHODS } = await import('../api/methods.ts');
  it('in a channel name, a display name and a pause reason', () => {
    const policy = { recording: 'devices', messageLifetimeMs: 0, burnAfterReading: false, endsAtMs: 0, allowCopy: true, allowExport: true, allowAttachments: true, screenCapture: 'allow', readReceipts: true };
    expect(API_METHODS.createChannel.input.safeParse({ name: 'Room 4', classification: 0, memberUserIds: [], policy }).success).toBe(true);
    expect(API_METHODS.createChannel.input.safeParse({ name: 'Room\u202E4', classification: 0, memberUserIds: [], policy }).success).toBe(false);
    expect(API_METHODS.startLocalOrganisation.input.safeParse({ orgName: 'Delegation', displayName: 'Al\u200Bice', keyProvider: 'passphrase', passphrase: '12345678' }).success).toBe(false);
    expect(API_METHODS.pause.input.safeParse({ channelId: 'c', reason: 'leak\u001b[2J' }).success).toBe(false);
  });
});

describe('org.json', async () => {
  const { OrgConfigSchema } = await import('./orgConfig.ts');
  it('refuses an organisation name or classification label with a direction override', () => {
    expect(OrgConfigSchema.safeParse({ orgId: 'o', name: 'Delegation' }).success).toBe(true);
    expect(OrgConfigSchema.safeParse({ orgId: 'o', name: 'Deleg\u202Eation' }).success).toBe(false);
    expect(OrgConfigSchema.safeParse({ orgId: 'o', classifications: [{ level: 0, label: 'SECRET\u200B', short: 'S', colour: '#f00' }] }).success).toBe(false);
  });
});
