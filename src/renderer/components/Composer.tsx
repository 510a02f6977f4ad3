/**
 * The composer honours the channel: nothing to type into when sending is not possible (paused,
 * no right), no attachment button when the policy forbids attachments, and no copy or cut out of
 * the draft when the policy forbids copying (pasting in stays possible).
 */
import { useState, type FormEvent, type KeyboardEvent, type SyntheticEvent } from 'react';
import type { ChannelSummary } from '../../shared/api/schemas.ts';
import { useI18n } from '../i18n/I18n.tsx';

export interface ComposerProps {
  channel: ChannelSummary;
  sendOnEnter: boolean;
  onSend(text: string): Promise<boolean>;
  onAttach?(): void;
}

export function Composer({ channel, sendOnEnter, onSend, onAttach }: ComposerProps) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);

  if (channel.status === 'paused') {
    return (
      <div className="composer composer--blocked" role="status">
        <strong>{t('composer.paused')}</strong>
        {channel.pausedReason && <span> {t('channel.pausedReason', { reason: channel.pausedReason })}</span>}
      </div>
    );
  }
  if (!channel.can.send) {
    return (
      <div className="composer composer--blocked" role="status">
        {t('composer.cannotSend')}
      </div>
    );
  }

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const body = text.trim();
    if (!body || sending) return;
    setSending(true);
    const ok = await onSend(body);
    setSending(false);
    if (ok) setText('');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (sendOnEnter && e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  };
  const blockCopy = (e: SyntheticEvent) => {
    if (!channel.can.copy) e.preventDefault();
  };

  return (
    <form className="composer" onSubmit={submit}>
      {channel.can.attach && channel.policy.allowAttachments && (
        <button type="button" className="icon-button" aria-label={t('composer.attach')} title={t('composer.attach')} onClick={onAttach}>
          +
        </button>
      )}
      <textarea
        aria-label={t('composer.label')}
        placeholder={t('composer.placeholder', { name: channel.name })}
        title={sendOnEnter ? t('composer.sendOnEnter') : undefined}
        value={text}
        rows={2}
        maxLength={64 * 1024}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        onCopy={blockCopy}
        onCut={blockCopy}
        onDragStart={blockCopy}
      />
      <button type="submit" className="primary" disabled={sending || text.trim() === ''}>
        {t('composer.send')}
      </button>
    </form>
  );
}
