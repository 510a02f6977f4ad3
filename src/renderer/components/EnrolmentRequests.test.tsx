import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import { renderIn } from '../testing/render.tsx';
import { EnrolmentRequests } from './EnrolmentRequests.tsx';

afterEach(cleanup);

it('approves only with a typed code, with the chosen clearance and lead role', () => {
  const onApprove = vi.fn(async () => true);
  renderIn(
    <EnrolmentRequests
      levels={DEFAULT_CLASSIFICATIONS}
      requests={[{ requestId: 'r1', displayName: 'Bob Keller', deviceName: 'bob-laptop', submittedAt: 1, userId: null }]}
      onApprove={onApprove}
    />,
  );
  const form = screen.getByRole('form', { name: 'Request from Bob Keller' });
  // The officer's screen never shows the code: it must be read from the new device.
  expect(form.textContent).not.toContain('482');
  const approve = within(form).getByRole('button', { name: 'Approve' }) as HTMLButtonElement;
  expect(approve.disabled).toBe(true);
  fireEvent.change(within(form).getByLabelText('Code shown on the new device'), { target: { value: '482 913' } });
  fireEvent.change(within(form).getByLabelText('Clearance'), { target: { value: '3' } });
  fireEvent.click(within(form).getByLabelText('Team lead (may create channels)'));
  fireEvent.click(approve);
  expect(onApprove).toHaveBeenCalledWith('r1', '482 913', 3, ['delegate', 'lead']);
});

it('asks nothing more for a further device of a known member, and says when nobody waits', () => {
  renderIn(<EnrolmentRequests levels={DEFAULT_CLASSIFICATIONS} requests={[{ requestId: 'r2', displayName: 'Alice', deviceName: 'phone', submittedAt: 1, userId: 'alice' }]} onApprove={vi.fn()} />);
  expect(screen.getByText('another device of a member')).toBeTruthy();
  expect(screen.queryByLabelText('Clearance')).toBeNull();
  cleanup();
  renderIn(<EnrolmentRequests levels={DEFAULT_CLASSIFICATIONS} requests={[]} onApprove={vi.fn()} />);
  expect(screen.getByText(/No device is waiting/)).toBeTruthy();
});

it('warns when two waiting requests carry names that look the same (a Cyrillic А)', () => {
  renderIn(
    <EnrolmentRequests
      levels={DEFAULT_CLASSIFICATIONS}
      requests={[
        { requestId: 'r1', displayName: 'Anna Weber', deviceName: 'laptop', submittedAt: 1, userId: null },
        { requestId: 'r2', displayName: 'Аnna Weber', deviceName: 'laptop', submittedAt: 2, userId: null },
        { requestId: 'r3', displayName: 'Bob Keller', deviceName: 'laptop', submittedAt: 3, userId: null },
      ]}
      onApprove={vi.fn()}
    />,
  );
  const alerts = screen.getAllByRole('alert');
  expect(alerts).toHaveLength(2);
  expect(alerts[0]!.textContent).toContain('2 requests for this name');
  expect(within(screen.getByRole('form', { name: 'Request from Bob Keller' })).queryByRole('alert')).toBeNull();
});
