import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Person } from '../../shared/api/schemas.ts';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import { renderIn } from '../testing/render.tsx';
import { CreateChannelDialog } from './CreateChannelDialog.tsx';

afterEach(cleanup);

const people: Person[] = [
  { userId: 'alice', displayName: 'Alice', clearance: 3, orgRoles: ['lead'] },
  { userId: 'bob', displayName: 'Bob', clearance: 3, orgRoles: ['delegate'] },
  { userId: 'carol', displayName: 'Carol', clearance: 2, orgRoles: ['delegate'] },
];

it('offers only people cleared for the classification, even if the list it was given is wider', async () => {
  const onCreate = vi.fn(async () => true);
  renderIn(<CreateChannelDialog levels={DEFAULT_CLASSIFICATIONS} myUserId="alice" myClearance={3} loadCleared={async () => people} onCreate={onCreate} onClose={vi.fn()} />);
  // The first preset is the SECRET, off-the-record negotiation room.
  await waitFor(() => expect(screen.getByLabelText('Bob')).toBeTruthy());
  expect(screen.queryByLabelText('Carol')).toBeNull();
  expect(screen.queryByLabelText('Alice')).toBeNull();

  fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Room 4' } });
  fireEvent.click(screen.getByLabelText('Bob'));
  fireEvent.click(screen.getByRole('button', { name: 'Create channel' }));
  await waitFor(() => expect(onCreate).toHaveBeenCalled());
  const input = (onCreate.mock.calls[0] as unknown[])[0] as { classification: number; memberUserIds: string[]; policy: { recording: string; messageLifetimeMs: number; allowCopy: boolean } };
  expect(input.classification).toBe(3);
  expect(input.memberUserIds).toEqual(['bob']);
  expect(input.policy.recording).toBe('off-the-record');
  expect(input.policy.messageLifetimeMs).toBe(24 * 3_600_000);
  expect(input.policy.allowCopy).toBe(false);
});

it('offers Carol once the classification is lowered to one she is cleared for', async () => {
  renderIn(<CreateChannelDialog levels={DEFAULT_CLASSIFICATIONS} myUserId="alice" myClearance={3} loadCleared={async () => people} onCreate={vi.fn()} onClose={vi.fn()} />);
  fireEvent.change(screen.getByLabelText('Preset'), { target: { value: 'coordination' } });
  await waitFor(() => expect(screen.getByLabelText('Carol')).toBeTruthy());
  expect((screen.getByLabelText('Recording') as HTMLSelectElement).value).toBe('devices');
});

it('does not let a lead pick a classification above their own clearance', () => {
  renderIn(<CreateChannelDialog levels={DEFAULT_CLASSIFICATIONS} myUserId="dave" myClearance={2} loadCleared={async () => people} onCreate={vi.fn()} onClose={vi.fn()} />);
  const options = [...(screen.getByLabelText('Classification') as HTMLSelectElement).options].map((o) => o.textContent);
  expect(options).not.toContain('SECRET');
  expect(options).toContain('CONFIDENTIAL');
});
