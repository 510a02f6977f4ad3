/** The channel list, grouped and colour-marked by classification, with unread counts (pure). */
import type { KeyboardEvent } from 'react';
import type { ChannelSummary } from '../../shared/api/schemas.ts';
import { classificationByLevel, type ClassificationLevel } from '../../shared/model/classification.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { groupByClassification } from '../stores/channels.ts';
import { ClassificationTag } from './ClassificationBanner.tsx';
import { Name } from './Name.tsx';

export interface ChannelListProps {
  channels: readonly ChannelSummary[];
  levels: readonly ClassificationLevel[];
  selectedId: string | null;
  onSelect(id: string): void;
}

export function levelOf(levels: readonly ClassificationLevel[], level: number): ClassificationLevel {
  return classificationByLevel(levels, level) ?? { level, label: `LEVEL ${level}`, short: String(level), colour: '#555555' };
}

/** Up and Down move between channels, as in a list box. */
function moveFocus(e: KeyboardEvent<HTMLElement>) {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  const items = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('button[data-channel]')];
  const i = items.indexOf(document.activeElement as HTMLButtonElement);
  const next = items[e.key === 'ArrowDown' ? Math.min(items.length - 1, i + 1) : Math.max(0, i - 1)];
  if (next) {
    e.preventDefault();
    next.focus();
  }
}

export function ChannelList({ channels, levels, selectedId, onSelect }: ChannelListProps) {
  const { t } = useI18n();
  if (channels.length === 0) return <p className="muted channel-list__empty">{t('nav.noChannels')}</p>;
  return (
    <nav className="channel-list" aria-label={t('nav.channels')} onKeyDown={moveFocus}>
      {groupByClassification(channels).map((g) => {
        const level = levelOf(levels, g.level);
        return (
          <section key={g.level} className="channel-group" aria-label={level.label}>
            <h2 className="channel-group__title">
              {level.label}
            </h2>
            <ul>
              {g.channels.map((c) => (
                <li key={c.id}>
                  <button
                    type="button"
                    data-channel={c.id}
                    className={`channel-item${c.id === selectedId ? ' channel-item--selected' : ''}`}
                    style={{ borderLeftColor: level.colour }}
                    aria-current={c.id === selectedId ? 'true' : undefined}
                    onClick={() => onSelect(c.id)}
                  >
                    <ClassificationTag level={level} />
                    <Name className="channel-item__name" text={c.name} />
                    {c.status === 'paused' && <span className="channel-item__paused">{t('nav.paused')}</span>}
                    {c.unread > 0 && (
                      <span className="unread" aria-label={t('nav.unread', { n: c.unread })}>
                        {c.unread}
                      </span>
                    )}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </nav>
  );
}
