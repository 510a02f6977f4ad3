/**
 * The composer honours the channel: nothing to type into when sending is not possible (paused,
 * no right), no attachment button when the policy forbids attachments, and no copy or cut out of
 * the draft when the policy forbids copying (pasting in stays possible).
 */
import { useRef, useState, type FormEvent, type KeyboardEvent, type SyntheticEvent } from 'react';
import type { ChannelSummary } from '../../shared/api/schemas.ts';
import { MAX_TEXT_BYTES } from '../../shared/model/limits.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { NAME_SLOT, Sentence } from './Name.tsx';

export interface Attachment {
  name: string;
  mime: string;
  dataBase64: string;
}

export interface ComposerProps {
  channel: ChannelSummary;
  sendOnEnter: boolean;
  onSend(text: string, attachments: Attachment[]): Promise<boolean>;
}

const MAX_ATTACHMENT_BYTES = 16 * 1024 * 1024;

function readAttachment(file: File): Promise<Attachment | null> {
  if (file.size > MAX_ATTACHMENT_BYTES) return Promise.resolve(null);
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve({ name: file.name.slice(0, 255), mime: (file.type || 'application/octet-stream').slice(0, 128), dataBase64: url.slice(url.indexOf(',') + 1) });
    };
    reader.onerror = () => resolve(null);
    reader.readAsDataURL(file);
  });
}

export function Composer({ channel, sendOnEnter, onSend }: ComposerProps) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);

  if (channel.status === 'paused') {
    return (
      <div className="composer composer--blocked" role="status">
        <strong>{t('composer.paused')}</strong>
        {channel.pausedReason && (
          <span>
            {' '}
            <Sentence text={t('channel.pausedReason', { reason: NAME_SLOT })} name={channel.pausedReason} />
          </span>
        )}
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
    const ok = await onSend(body, attachments);
    setSending(false);
    if (ok) {
      setText('');
      setAttachments([]);
    }
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

  const canAttach = channel.can.attach && channel.policy.allowAttachments;
  return (
    <form className="composer" onSubmit={submit}>
      {canAttach && (
        <>
          <button type="button" className="icon-button" aria-label={t('composer.attach')} title={t('composer.attach')} onClick={() => fileInput.current?.click()}>
            +
          </button>
          <input
            ref={fileInput}
            type="file"
            hidden
            multiple
            onChange={async (e) => {
              const files = [...(e.target.files ?? [])].slice(0, 10);
              const read = (await Promise.all(files.map(readAttachment))).filter((a): a is Attachment => a !== null);
              setAttachments((prev) => [...prev, ...read].slice(0, 10));
              e.target.value = '';
            }}
          />
        </>
      )}
      {attachments.length > 0 && (
        <ul className="composer__attachments" aria-label={t('composer.attach')}>
          {attachments.map((a, i) => (
            <li key={i}>{a.name}</li>
          ))}
        </ul>
      )}
      <textarea
        aria-label={t('composer.label')}
        placeholder={t('composer.placeholder', { name: channel.name })}
        title={sendOnEnter ? t('composer.sendOnEnter') : undefined}
        value={text}
        rows={2}
        maxLength={MAX_TEXT_BYTES /* a character is at least one byte; the engine checks the bytes */}
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
