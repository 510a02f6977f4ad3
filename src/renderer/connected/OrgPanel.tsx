/** The organisation view for security officers: every channel, with pause, resume and wipe; and, in a local organisation, the devices asking to join. */
import { useEffect } from 'react';
import { EnrolmentRequests } from '../components/EnrolmentRequests.tsx';
import { OrgView } from '../components/OrgView.tsx';
import { useErrorText } from '../i18n/I18n.tsx';
import { selectOrgChannels } from '../stores/org.ts';
import { classificationsOf } from '../stores/session.ts';
import { useChannels, useOrg, useSession, useStores } from '../stores/Stores.tsx';

export function OrgPanel() {
  const stores = useStores();
  const status = useSession((s) => s.status)!;
  const channels = useOrg(selectOrgChannels);
  const loading = useOrg((s) => s.loading);
  const error = useOrg((s) => s.error);
  const requests = useOrg((s) => s.requests);
  const approveError = useOrg((s) => s.requestsError);
  const wipes = useChannels((s) => s.wipes);
  const errorText = useErrorText();
  const local = status.org?.local ?? false;
  useEffect(() => {
    void stores.org.getState().load();
  }, [stores]);
  useEffect(() => {
    if (!local) return;
    const load = () => void stores.org.getState().loadRequests();
    load();
    // A new profile may ask at any moment; looking every few seconds also opens its request, so its code appears.
    const timer = setInterval(load, 5_000);
    return () => clearInterval(timer);
  }, [stores, local]);
  const ui = stores.ui.getState();
  const view = (
    <OrgView
      channels={channels}
      levels={classificationsOf(status)}
      loading={loading}
      error={error && errorText(error)}
      wipes={wipes}
      onRefresh={() => void stores.org.getState().load()}
      onPause={(c) => ui.open({ kind: 'pause', channelId: c.id, name: c.name, org: true })}
      onResume={(c) => void stores.org.getState().resume(c.id)}
      onWipe={(c) => ui.open({ kind: 'wipe', channelId: c.id, name: c.name })}
      onShowWipe={(id) => ui.open({ kind: 'wipe', channelId: id })}
    />
  );
  if (!local) return view;
  return (
    <div className="org-panel">
      {view}
      <div className="org">
        {approveError && (
          <p role="alert" className="error">
            {errorText(approveError)}
          </p>
        )}
        <EnrolmentRequests
          requests={requests}
          levels={classificationsOf(status)}
          onApprove={(requestId, comparisonCode, clearance, roles) => stores.org.getState().approve({ requestId, comparisonCode, clearance, roles })}
        />
      </div>
    </div>
  );
}
