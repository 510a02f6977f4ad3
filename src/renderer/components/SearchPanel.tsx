/** Full-text search across my channels; a hit opens its channel. */
import { useState, type FormEvent } from 'react';
import type { MessageView } from '../../shared/api/schemas.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Dialog } from './Dialog.tsx';
import { Name } from './Name.tsx';

export interface SearchPanelProps {
  search(query: string): Promise<{ message: MessageView; snippet: string }[]>;
  channelName(id: string): string;
  /** Whether a channel's policy keeps it out of screen captures (unknown channels count as protected). */
  isProtected(channelId: string): boolean;
  /** Whether a protected channel is open under the panel, so that the window is protected too. */
  protectedOnScreen: boolean;
  onOpen(channelId: string): void;
  onClose(): void;
}

/**
 * A snippet of a protected channel shows only while a protected channel is open (the window is
 * then protected from capture); otherwise its hit says "protected channel" and opens it.
 */
export function SearchPanel({ search, channelName, isProtected, protectedOnScreen, onOpen, onClose }: SearchPanelProps) {
  const { t } = useI18n();
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<{ message: MessageView; snippet: string }[] | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (query.trim()) setHits(await search(query.trim()));
  };
  return (
    <Dialog title={t('search.label')} onClose={onClose} wide>
      <form className="form" role="search" onSubmit={submit}>
        <input type="search" aria-label={t('search.label')} placeholder={t('search.placeholder')} value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
      </form>
      {hits && (
        <>
          <p className="muted" role="status">
            {hits.length === 0 ? t('search.noResults') : t('search.results', { n: hits.length })}
          </p>
          <ul className="search-hits">
            {hits.map((h) => (
              <li key={h.message.id}>
                <button type="button" onClick={() => onOpen(h.message.channelId)}>
                  <strong>
                    <Name text={channelName(h.message.channelId)} />
                  </strong>{' '}
                  · <Name text={h.message.senderName} />
                  {protectedOnScreen || !isProtected(h.message.channelId) ? (
                    <span className="search-hits__snippet">{h.snippet}</span>
                  ) : (
                    <span className="search-hits__snippet search-hits__snippet--hidden">{t('search.protected')}</span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="form__actions">
        <button type="button" onClick={onClose}>
          {t('info.close')}
        </button>
      </div>
    </Dialog>
  );
}
