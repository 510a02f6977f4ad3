import { cleanup, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { channel } from '../testing/fixtures.ts';
import { renderIn } from '../testing/render.tsx';
import { ChannelHeader } from './ChannelHeader.tsx';
import { Composer } from './Composer.tsx';
import { Name } from './Name.tsx';

afterEach(cleanup);
const noop = () => undefined;

it('isolates a name from the text around it', () => {
  renderIn(
    <p data-testid="line">
      <Name text="محمد" /> 42
    </p>,
  );
  const bdi = screen.getByText('محمد');
  expect(bdi.tagName).toBe('BDI');
  expect(bdi.getAttribute('dir')).toBe('auto');
});

it('shows the channel name in the header isolated', () => {
  renderIn(<ChannelHeader channel={channel({ name: 'שיחות' })} now={0} onInfo={noop} onPause={noop} onResume={noop} onWipe={noop} />);
  expect(screen.getByRole('heading').querySelector('bdi')?.textContent).toBe('שיחות');
});

it('shows a pause reason isolated inside its sentence', () => {
  renderIn(<Composer channel={channel({ status: 'paused', pausedReason: 'تسريب', can: { ...channel().can, send: false } })} sendOnEnter onSend={async () => true} />);
  const status = screen.getByRole('status');
  expect(status.textContent).toContain('Reason: تسريب');
  expect(status.querySelector('bdi')?.textContent).toBe('تسريب');
});

it('never hides an invisible or direction character stored before names were checked', () => {
  renderIn(<Name text={'Bob\u202Egnp.exe'} />);
  expect(document.querySelector('bdi')?.textContent).toBe('Bob<U+202E>gnp.exe');
});
