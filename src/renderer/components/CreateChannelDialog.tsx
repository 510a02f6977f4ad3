/**
 * Channel creation for leads: a preset or custom policy, a classification, and a member picker
 * that only ever offers people cleared for the chosen classification (pure: people come in props).
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { Person } from '../../shared/api/schemas.ts';
import { isCleared, type ClassificationLevel } from '../../shared/model/classification.ts';
import { normalisePolicy, RECORDING_MODES, type ChannelPolicy, type RecordingMode } from '../../shared/model/policy.ts';
import { formatDuration } from '../i18n/catalogue.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Dialog } from './Dialog.tsx';
import { LIFETIMES_MS, PRESETS } from './presets.ts';
import { Name } from './Name.tsx';

export interface CreateChannelInput {
  name: string;
  classification: number;
  memberUserIds: string[];
  policy: ChannelPolicy;
}

export interface CreateChannelDialogProps {
  levels: readonly ClassificationLevel[];
  myUserId: string;
  myClearance: number;
  /** People the engine says are cleared for a level; filtered again here, never trusted to be. */
  loadCleared(level: number): Promise<Person[]>;
  onCreate(input: CreateChannelInput): Promise<boolean>;
  onClose(): void;
}

export function CreateChannelDialog({ levels, myUserId, myClearance, loadCleared, onCreate, onClose }: CreateChannelDialogProps) {
  const { t, lang } = useI18n();
  const first = PRESETS[0]!;
  const [preset, setPreset] = useState<string>(first.id);
  const [name, setName] = useState('');
  const [classification, setClassification] = useState(Math.min(first.classification, myClearance));
  const [policy, setPolicy] = useState<ChannelPolicy>(first.policy);
  const [people, setPeople] = useState<Person[]>([]);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    void loadCleared(classification).then((list) => {
      if (!live) return;
      const cleared = list.filter((p) => p.userId !== myUserId && isCleared(p.clearance, classification));
      setPeople(cleared);
      setChosen((prev) => new Set([...prev].filter((id) => cleared.some((p) => p.userId === id))));
    });
    return () => {
      live = false;
    };
  }, [classification, loadCleared, myUserId]);

  const choosePreset = (id: string) => {
    setPreset(id);
    const p = PRESETS.find((x) => x.id === id);
    if (p) {
      setClassification(Math.min(p.classification, myClearance));
      setPolicy(p.policy);
    }
  };
  const edit = (patch: Partial<ChannelPolicy>) => {
    setPreset('custom');
    setPolicy((p) => normalisePolicy({ ...p, ...patch }));
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError(t('create.nameRequired'));
    setBusy(true);
    const ok = await onCreate({ name: name.trim(), classification, memberUserIds: [...chosen], policy: normalisePolicy(policy) });
    setBusy(false);
    if (ok) onClose();
  };
  const levelLabel = levels.find((l) => l.level === classification)?.label ?? String(classification);

  return (
    <Dialog title={t('create.title')} onClose={onClose} wide>
      <form className="form" onSubmit={submit}>
        <label>
          {t('create.preset')}
          <select value={preset} onChange={(e) => choosePreset(e.target.value)}>
            {PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {t(p.label)}
              </option>
            ))}
            <option value="custom">{t('create.preset.custom')}</option>
          </select>
        </label>
        <label>
          {t('create.name')}
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} autoFocus />
        </label>
        <div className="form__row">
          <label>
            {t('create.classification')}
            <select value={classification} onChange={(e) => { setPreset('custom'); setClassification(Number(e.target.value)); }}>
              {levels
                .filter((l) => isCleared(myClearance, l.level))
                .map((l) => (
                  <option key={l.level} value={l.level}>
                    {l.label}
                  </option>
                ))}
            </select>
          </label>
          <label>
            {t('create.recording')}
            <select value={policy.recording} onChange={(e) => edit({ recording: e.target.value as RecordingMode })}>
              {RECORDING_MODES.map((m) => (
                <option key={m} value={m}>
                  {t(`create.recording.${m}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('create.lifetime')}
            <select value={policy.messageLifetimeMs} onChange={(e) => edit({ messageLifetimeMs: Number(e.target.value) })}>
              {LIFETIMES_MS.map((ms) => (
                <option key={ms} value={ms}>
                  {ms === 0 ? t('create.never') : formatDuration(lang, ms)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <fieldset className="member-picker">
          <legend>{t('create.members')}</legend>
          <p className="muted">{t('create.membersHelp', { classification: levelLabel })}</p>
          {people.length === 0 && <p className="muted">{t('create.noCleared')}</p>}
          <ul>
            {people.map((p) => (
              <li key={p.userId}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={chosen.has(p.userId)}
                    onChange={(e) =>
                      setChosen((prev) => {
                        const next = new Set(prev);
                        if (e.target.checked) next.add(p.userId);
                        else next.delete(p.userId);
                        return next;
                      })
                    }
                  />
                  <Name text={p.displayName} />
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        {error && <p role="alert" className="error">{error}</p>}
        <div className="form__actions">
          <button type="button" onClick={onClose}>
            {t('create.cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t('create.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
