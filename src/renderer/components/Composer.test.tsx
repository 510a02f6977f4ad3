import { cleanup, createEvent, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { channel } from '../testing/fixtures.ts';
import { renderIn } from '../testing/render.tsx';
import { Composer } from './Composer.tsx';

afterEach(cleanup);

describe('Composer', () => {
  it('offers nothing to type into while the channel is paused, and says why', () => {
    renderIn(<Composer channel={channel({ status: 'paused', pausedReason: 'incident 42', can: { ...channel().can, send: false } })} sendOnEnter onSend={vi.fn()} />);
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.getByRole('status').textContent).toContain('Sending is paused');
    expect(screen.getByRole('status').textContent).toContain('incident 42');
  });

  it('hides the attachment button when the policy forbids attachments', () => {
    renderIn(<Composer channel={channel({ policy: { allowAttachments: false }, can: { ...channel().can, attach: false } })} sendOnEnter onSend={vi.fn()} />);
    expect(screen.queryByRole('button', { name: 'Attach a file' })).toBeNull();
    cleanup();
    renderIn(<Composer channel={channel({ policy: { allowAttachments: true }, can: { ...channel().can, attach: true } })} sendOnEnter onSend={vi.fn()} />);
    expect(screen.getByRole('button', { name: 'Attach a file' })).toBeTruthy();
  });

  it('blocks copying out of the draft when copy is not allowed, but not when it is', () => {
    renderIn(<Composer channel={channel({ policy: { allowCopy: false } })} sendOnEnter onSend={vi.fn()} />);
    const copy = createEvent.copy(screen.getByRole('textbox'));
    fireEvent(screen.getByRole('textbox'), copy);
    expect(copy.defaultPrevented).toBe(true);
    cleanup();
    renderIn(<Composer channel={channel({ policy: { allowCopy: true }, can: { ...channel().can, copy: true } })} sendOnEnter onSend={vi.fn()} />);
    const allowed = createEvent.copy(screen.getByRole('textbox'));
    fireEvent(screen.getByRole('textbox'), allowed);
    expect(allowed.defaultPrevented).toBe(false);
  });

  it('sends on Enter and clears the draft once the engine accepted it', async () => {
    const onSend = vi.fn(async () => true);
    renderIn(<Composer channel={channel()} sendOnEnter onSend={onSend} />);
    const box = screen.getByRole('textbox') as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: 'Proposal B is acceptable' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('Proposal B is acceptable', []);
    await vi.waitFor(() => expect(box.value).toBe(''));
  });

  it('sends a chosen file with the message when the policy allows attachments', async () => {
    const onSend = vi.fn(async () => true);
    const { container } = renderIn(<Composer channel={channel({ policy: { allowAttachments: true }, can: { ...channel().can, attach: true } })} sendOnEnter onSend={onSend} />);
    const input = container.querySelector('input[type=file]') as HTMLInputElement;
    fireEvent.change(input, { target: { files: [new File(['draft text'], 'annex-b.txt', { type: 'text/plain' })] } });
    await vi.waitFor(() => expect(screen.getByText('annex-b.txt')).toBeTruthy());
    fireEvent.change(screen.getByRole('textbox'), { target: { value: 'Annex attached' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await vi.waitFor(() => expect(onSend).toHaveBeenCalled());
    expect(onSend).toHaveBeenCalledWith('Annex attached', [{ name: 'annex-b.txt', mime: 'text/plain', dataBase64: btoa('draft text') }]);
  });
});
