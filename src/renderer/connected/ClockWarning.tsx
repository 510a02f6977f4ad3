/**
 * While this device's clock is off from the relay's by more than the allowed skew: a warning that
 * times shown may be wrong, saying by how many minutes and which way.
 */
import { useI18n } from '../i18n/I18n.tsx';
import { useSession } from '../stores/Stores.tsx';

export function ClockWarning() {
  const { t } = useI18n();
  const offsetMs = useSession((s) => (s.status?.clock?.skewed ? s.status.clock.offsetMs : null));
  if (offsetMs === null) return null;
  const minutes = Math.max(1, Math.round(Math.abs(offsetMs) / 60_000));
  return (
    <div className="clock-warning" role="alert">
      {t(offsetMs > 0 ? 'clock.ahead' : 'clock.behind', { n: minutes })}
    </div>
  );
}
