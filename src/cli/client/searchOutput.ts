/**
 * `valise search QUERY [--channel NAME|ID]`: what one hit prints. The human line holds the time,
 * the channel, the sender and the snippet; --json gives the same fields, one document per hit.
 */
import type { MessageView } from '../../shared/api/schemas.ts';

export interface SearchHitOut {
  channelId: string;
  channel: string;
  messageId: string;
  sender: string;
  senderUserId: string;
  sentAt: string;
  snippet: string;
}

export function searchHit(hit: { message: MessageView; snippet: string }, channelNames: ReadonlyMap<string, string>): { human: string; data: SearchHitOut } {
  const m = hit.message;
  const data: SearchHitOut = {
    channelId: m.channelId,
    channel: channelNames.get(m.channelId) ?? m.channelId,
    messageId: m.id,
    sender: m.senderName,
    senderUserId: m.senderUserId,
    sentAt: new Date(m.sentAt).toISOString(),
    snippet: hit.snippet,
  };
  const oneLine = hit.snippet.replace(/\s+/g, ' ');
  return { human: `${data.sentAt}  ${data.channel}  ${data.sender}: ${oneLine}`, data };
}
