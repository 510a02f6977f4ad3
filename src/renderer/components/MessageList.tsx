/**
 * The virtualised message list: only the rows in view (plus a few) are in the DOM, so a channel
 * of 100k messages opens and scrolls like one of ten. When the policy forbids copying, selection,
 * copy, cut and drag out of the list are blocked.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useRef, type SyntheticEvent } from 'react';
import type { DeliveryState, MessageView } from '../../shared/api/schemas.ts';
import { formatTime } from '../i18n/catalogue.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Name } from './Name.tsx';

export interface MessageListProps {
  channelName: string;
  messages: readonly MessageView[];
  allowCopy: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  onNearTop(): void;
  onCopyBlocked?(): void;
}

const ESTIMATE = 56;

export function MessageList({ channelName, messages, allowCopy, hasOlder, loadingOlder, onNearTop, onCopyBlocked }: MessageListProps) {
  const { t } = useI18n();
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATE,
    overscan: 8,
    getItemKey: (i) => messages[i]?.id ?? i,
    initialRect: { width: 800, height: 600 },
    // Render scroll updates with the next frame instead of synchronously inside the scroll event.
    useFlushSync: false,
  });

  // Stay pinned to the newest message when one arrives while the reader is at the bottom.
  const atBottom = useRef(true);
  const firstId = messages[0]?.id;
  const prevFirst = useRef(firstId);
  const prevCount = useRef(messages.length);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    const grewAtTop = prevFirst.current !== firstId && prevCount.current > 0;
    const added = messages.length - prevCount.current;
    prevFirst.current = firstId;
    prevCount.current = messages.length;
    if (messages.length === 0) return;
    if (grewAtTop && el && added > 0) {
      // Older page prepended: keep the reader's place.
      el.scrollTop += added * ESTIMATE;
    } else if (atBottom.current) {
      virtualizer.scrollToIndex(messages.length - 1, { align: 'end' });
    }
  }, [messages.length, firstId, virtualizer]);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onScroll = () => {
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < ESTIMATE;
      // Ask for the older page several screens ahead so a fast scroll never hits the top.
      if (el.scrollTop < el.clientHeight * 8 && hasOlder && !loadingOlder) onNearTop();
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, [hasOlder, loadingOlder, onNearTop]);

  const block = (e: SyntheticEvent) => {
    if (allowCopy) return;
    e.preventDefault();
    onCopyBlocked?.();
  };

  return (
    <div
      ref={scrollRef}
      className={`message-list${allowCopy ? '' : ' message-list--nocopy'}`}
      role="log"
      aria-live="polite"
      aria-label={t('channel.messages', { name: channelName })}
      tabIndex={0}
      data-testid="message-list"
      onCopy={block}
      onCut={block}
      onDragStart={block}
      onContextMenu={allowCopy ? undefined : block}
    >
      {loadingOlder && <div className="message-list__loading muted">{t('channel.loadingOlder')}</div>}
      {messages.length === 0 && <p className="muted message-list__empty">{t('channel.empty')}</p>}
      <div className="message-list__inner" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => {
          const m = messages[row.index]!;
          return (
            <div key={row.key} data-index={row.index} ref={virtualizer.measureElement} className="message-slot" style={{ transform: `translateY(${row.start}px)` }}>
              <MessageRow m={m} index={row.index} total={messages.length} />
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** One message; memoised so that scrolling re-renders only the rows that come into view. */
const MessageRow = memo(function MessageRow({ m, index, total }: { m: MessageView; index: number; total: number }) {
  const { t, lang } = useI18n();
  return (
    <article className={`message${m.mine ? ' message--mine' : ''}`} aria-setsize={total} aria-posinset={index + 1}>
      <header className="message__meta">
        <span className="message__sender">{m.mine ? t('message.you') : <Name text={m.senderName} />}</span>
        <time dateTime={new Date(m.sentAt).toISOString()}>{formatTime(lang, m.sentAt)}</time>
        {m.mine && m.delivery && <DeliveryMark state={m.delivery} />}
        {m.mine && m.delivery !== 'unreachable' && <UnreachableNote count={m.deliveries.filter((d) => d.state === 'unreachable').length} />}
      </header>
      <p className="message__text">{m.text}</p>
      {m.attachments.length > 0 && (
        <ul className="message__attachments">
          {m.attachments.map((a, i) => (
            <li key={i}>
              {a.name} <span className="muted">({Math.max(1, Math.round(a.size / 1024))} KB)</span>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
});

/** Some devices could not get the message (no keys published yet, or no device): say how many. */
function UnreachableNote({ count }: { count: number }) {
  const { t } = useI18n();
  if (count === 0) return null;
  return (
    <span className="delivery delivery--unreachable" data-delivery="unreachable-some">
      {t('message.unreachableSome', { n: count })}
    </span>
  );
}

function DeliveryMark({ state }: { state: DeliveryState }) {
  const { t } = useI18n();
  const label = t(`message.delivery.${state}`);
  return (
    <span className={`delivery delivery--${state}`} title={label} data-delivery={state}>
      {label}
    </span>
  );
}
