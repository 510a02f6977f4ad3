import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import type { Api } from '../../shared/api/ApiClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { Status } from '../../shared/api/schemas.ts';
import type { Language } from '../i18n/catalogue.ts';
import { I18nProvider } from '../i18n/I18n.tsx';
import { createStores, StoresProvider } from '../stores/Stores.tsx';
import { ClockWarning } from './ClockWarning.tsx';

afterEach(cleanup);

const unlocked: Status = { state: 'unlocked', keyProvider: 'passphrase', org: null, me: { userId: 'alice', deviceId: '1', displayName: 'Alice', clearance: 3, orgRoles: ['delegate'] }, connection: 'online' };

/** The warning over stores fed by a fake engine; returns a way to push the engine's events. */
function mount(status: Status, lang: Language = 'en'): (e: ApiEvent) => void {
  let listener: (e: ApiEvent) => void = () => undefined;
  const api: Api = { call: (async () => { throw new Error('not used'); }) as Api['call'], onEvent: (l) => ((listener = l), () => undefined) };
  const stores = createStores(api, lang);
  stores.session.setState({ status });
  render(
    <I18nProvider lang={lang}>
      <StoresProvider stores={stores}>
        <ClockWarning />
      </StoresProvider>
    </I18nProvider>,
  );
  return (e) => act(() => listener(e));
}

it('says nothing while the clock is within the allowed skew', () => {
  mount({ ...unlocked, clock: { offsetMs: 60_000, skewed: false } });
  expect(screen.queryByRole('alert')).toBeNull();
});

it('tells the user by how many minutes, and which way, this device\'s clock is off', () => {
  mount({ ...unlocked, clock: { offsetMs: 10 * 60_000 + 4000, skewed: true } });
  expect(screen.getByRole('alert').textContent).toMatch(/clock is 10 minute\(s\) ahead of the relay.*times shown may be wrong/);
  cleanup();
  mount({ ...unlocked, clock: { offsetMs: -7 * 60_000, skewed: true } }, 'fr');
  expect(screen.getByRole('alert').textContent).toMatch(/retarde de 7 minute\(s\).*heures affichées peuvent être fausses/);
});

it('appears when the engine reports the clock off, and goes when it is back within the skew', () => {
  const push = mount(unlocked);
  expect(screen.queryByRole('alert')).toBeNull();
  push({ type: 'clock', offsetMs: -12 * 60_000, skewed: true });
  expect(screen.getByRole('alert').textContent).toMatch(/12 minute\(s\) behind/);
  push({ type: 'clock', offsetMs: 500, skewed: false });
  expect(screen.queryByRole('alert')).toBeNull();
});
