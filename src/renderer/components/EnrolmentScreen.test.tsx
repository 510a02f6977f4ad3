import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { renderIn } from '../testing/render.tsx';
import { EnrolmentScreen } from './Screens.tsx';

afterEach(cleanup);

describe('EnrolmentScreen', () => {
  it('shows no code until the security officer has opened the request', () => {
    renderIn(<EnrolmentScreen code={null} />);
    expect(screen.getByRole('status').textContent).toMatch(/open the request/);
    expect(screen.queryByTestId('comparison-code')).toBeNull();
    expect(screen.queryByText(/Read this code/)).toBeNull();
  });

  it('then shows the code to read out, in French too', () => {
    renderIn(<EnrolmentScreen code="042917" />, 'fr');
    expect(screen.getByTestId('comparison-code').textContent).toBe('042917');
    expect(screen.getByText(/Lisez ce code/)).toBeTruthy();
  });
});
