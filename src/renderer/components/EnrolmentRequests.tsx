/**
 * Devices waiting to join a local organisation, for its officer (pure): each request with the
 * comparison code computed here; the officer types the code the new device shows — approval only
 * when they match — and chooses the new person's clearance and whether they lead.
 */
import { useState, type FormEvent } from 'react';
import type { ApiResult } from '../../shared/api/methods.ts';
import type { ClassificationLevel } from '../../shared/model/classification.ts';
import type { OrgRole } from '../../shared/model/roles.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Name } from './Name.tsx';
import { looksAlike } from '../../shared/model/lookAlike.ts';

export type EnrolmentRequest = ApiResult<'listEnrolmentRequests'>['requests'][number];

export interface EnrolmentRequestsProps {
  requests: readonly EnrolmentRequest[];
  levels: readonly ClassificationLevel[];
  onApprove(requestId: string, code: string, clearance: number, roles: OrgRole[]): Promise<boolean>;
}

export function EnrolmentRequests({ requests, levels, onApprove }: EnrolmentRequestsProps) {
  const { t } = useI18n();
  return (
    <section className="enrol-requests" aria-labelledby="enrol-requests-title">
      <h2 id="enrol-requests-title" className="org__subtitle">
        {t('approve.title')}
      </h2>
      {requests.length === 0 ? (
        <p className="muted">{t('approve.none')}</p>
      ) : (
        <ul className="enrol-requests__list">
          {requests.map((r) => (
            <RequestRow key={r.requestId} request={r} twins={requests.filter((o) => looksAlike(o.displayName, r.displayName)).length} levels={levels} onApprove={onApprove} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** `twins`: how many waiting requests carry this name or one that looks the same ("Аnna" with a Cyrillic А). */
function RequestRow({ request: r, twins, levels, onApprove }: { request: EnrolmentRequest; twins: number; levels: readonly ClassificationLevel[]; onApprove: EnrolmentRequestsProps['onApprove'] }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [clearance, setClearance] = useState(levels[Math.min(1, levels.length - 1)]?.level ?? 0);
  const [lead, setLead] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    await onApprove(r.requestId, code, clearance, lead ? ['delegate', 'lead'] : ['delegate']);
    setBusy(false);
  };
  return (
    <li className="enrol-request">
      <form className="form" onSubmit={submit} aria-label={t('approve.request', { name: r.displayName })}>
        <p>
          <strong>
            <Name text={r.displayName} />
          </strong>{' '}
          <span className="muted">
            — <Name text={r.deviceName} />
          </span>
          {r.userId && <span className="org__note">{t('approve.anotherDevice')}</span>}
        </p>
        {twins > 1 && (
          <p className="warning" role="alert">
            {t('approve.twins', { n: twins })}
          </p>
        )}
        <div className="form__row">
          <label>
            {t('approve.typeCode')}
            <input value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" autoComplete="off" />
          </label>
          {!r.userId && (
            <label>
              {t('approve.clearance')}
              <select value={clearance} onChange={(e) => setClearance(Number(e.target.value))}>
                {levels.map((l) => (
                  <option key={l.level} value={l.level}>
                    {l.label}
                  </option>
                ))}
              </select>
            </label>
          )}
          {!r.userId && (
            <label className="check">
              <input type="checkbox" checked={lead} onChange={(e) => setLead(e.target.checked)} />
              {t('approve.lead')}
            </label>
          )}
        </div>
        <div className="form__actions">
          <button type="submit" className="primary" disabled={busy || code.trim() === ''}>
            {t('approve.submit')}
          </button>
        </div>
      </form>
    </li>
  );
}
