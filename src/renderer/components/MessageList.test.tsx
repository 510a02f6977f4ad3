import { cleanup, createEvent, fireEvent, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { message } from '../testing/fixtures.ts';
import { renderIn } from '../testing/render.tsx';
import { MessageList } from './MessageList.tsx';

// jsdom has no layout: give the scroller a size so the virtualiser has a viewport to fill. (The
// 100k-message behaviour is measured in real Chromium by bench/ui.bench.ts and test/e2e.)
beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(600);
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(800);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const many = Array.from({ length: 5 }, (_, i) => message(i));

describe('MessageList', () => {
  it('shows the messages with sender and position for screen readers', () => {
    renderIn(<MessageList channelName="Talks" messages={many} allowCopy={false} hasOlder={false} loadingOlder={false} onNearTop={vi.fn()} />);
    const rows = screen.getAllByRole('article');
    expect(rows).toHaveLength(5);
    expect(rows[4]!.textContent).toContain('message number 4');
    expect(rows[4]!.getAttribute('aria-posinset')).toBe('5');
    expect(screen.getByRole('log', { name: 'Messages in Talks' })).toBeTruthy();
  });

  it('blocks copy and the context menu when the policy forbids copying', () => {
    const onCopyBlocked = vi.fn();
    renderIn(<MessageList channelName="Talks" messages={many} allowCopy={false} hasOlder={false} loadingOlder={false} onNearTop={vi.fn()} onCopyBlocked={onCopyBlocked} />);
    const list = screen.getByRole('log');
    expect(list.className).toContain('message-list--nocopy');
    const copy = createEvent.copy(list);
    fireEvent(list, copy);
    expect(copy.defaultPrevented).toBe(true);
    const menu = createEvent.contextMenu(list);
    fireEvent(list, menu);
    expect(menu.defaultPrevented).toBe(true);
    expect(onCopyBlocked).toHaveBeenCalled();
  });

  it('lets the reader copy when the policy allows it', () => {
    renderIn(<MessageList channelName="Talks" messages={many} allowCopy hasOlder={false} loadingOlder={false} onNearTop={vi.fn()} />);
    const list = screen.getByRole('log');
    const copy = createEvent.copy(list);
    fireEvent(list, copy);
    expect(copy.defaultPrevented).toBe(false);
  });

  it('shows the delivery state of my own messages', () => {
    renderIn(<MessageList channelName="Talks" messages={[message(1, { mine: true, delivery: 'delivered' })]} allowCopy hasOlder={false} loadingOlder={false} onNearTop={vi.fn()} />);
    expect(screen.getByText('Delivered')).toBeTruthy();
    expect(screen.getByText('You')).toBeTruthy();
  });

  it('says when a message reached nobody, and how many devices could not be reached', () => {
    const none = message(1, { mine: true, delivery: 'unreachable', deliveries: [{ userId: 'dave', deviceId: '0', state: 'unreachable' }] });
    const some = message(2, { mine: true, delivery: 'delivered', deliveries: [{ userId: 'bob', deviceId: '1', state: 'delivered' }, { userId: 'dave', deviceId: '0', state: 'unreachable' }] });
    renderIn(<MessageList channelName="Talks" messages={[none, some]} allowCopy={false} hasOlder={false} loadingOlder={false} onNearTop={vi.fn()} />);
    const [first, second] = screen.getAllByRole('article');
    expect(first!.textContent).toContain('Not reachable');
    expect(second!.textContent).toContain('Delivered');
    expect(second!.textContent).toContain('1 device(s) could not be reached');
  });
});
