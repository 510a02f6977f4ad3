/**
 * One handler per request kind of the relay protocol. Each checks who may ask (device, root-key
 * admin, or anyone for enrolment), calls the relay service and shapes its typed answer; a refusal
 * is a thrown RelayError, turned into the response by the connection.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { EnrolmentStatus_State, type RelayRequest, type RelayResponseSchema } from '../gen/valise/v1/relay_pb.ts';
import { RelayError } from '../relay/errors.ts';
import { BLOB_HANDLERS } from './blobHandlers.ts';
import type { EnrolmentOrigin } from './relay/Enrolments.ts';
import type { Relay } from './Relay.ts';
import type { DeviceAddress } from './store/RelayStore.ts';
import type { DeviceCertInfo } from './trust/RelayTrust.ts';

export type ResponseResult = MessageInitShape<typeof RelayResponseSchema>['result'];
type Op = RelayRequest['op'];
export type RequestKind = NonNullable<Op['case']>;
/** The attachment blob requests, handled in blobHandlers.ts. */
export type BlobRequestKind = 'beginBlobUpload' | 'appendBlob' | 'resumeBlobUpload' | 'finishBlobUpload' | 'downloadBlob' | 'ackBlob';

/** What a handler may ask of the connection it runs on. */
export interface RequestContext {
  readonly relay: Relay;
  /** The connection's one challenge; AUTH_CHALLENGE_USED on a second use. */
  takeChallenge(): Uint8Array;
  /** The authenticated device, or NOT_AUTHENTICATED. */
  requireDevice(): DeviceAddress;
  /** FORBIDDEN unless the connection is authenticated by the organisation root key. */
  requireAdmin(): void;
  requireDeviceOrAdmin(): void;
  /** The connection becomes the device's; returns its queue depth. */
  becomeDevice(cert: DeviceCertInfo): Promise<number>;
  becomeAdmin(): void;
  enrolmentOrigin(): EnrolmentOrigin;
  /**
   * The connection waits for the officer to open and approve this enrolment request (`fresh`:
   * newly stored, not sent again). The wait is bounded from the connection's first request.
   */
  awaitEnrolment(requestId: string, fresh: boolean): void;
}

export interface Handler<K extends RequestKind> {
  /** Whether the request may write: its answer then waits until the store is durable. */
  writes: boolean;
  run(c: RequestContext, value: Extract<Op, { case: K }>['value']): Promise<ResponseResult>;
}

const OK: ResponseResult = { case: 'ok', value: {} };
const ENROLMENT_STATE = { pending: EnrolmentStatus_State.PENDING, approved: EnrolmentStatus_State.APPROVED, unknown: EnrolmentStatus_State.UNKNOWN };

export const REQUEST_HANDLERS: { [K in RequestKind]: Handler<K> } = {
  ...BLOB_HANDLERS,
  authenticate: {
    writes: false,
    async run(c, v) {
      const cert = await c.relay.directory.authenticateDevice(v.deviceCertificate, c.takeChallenge(), v.signature);
      const backlog = await c.becomeDevice(cert);
      return { case: 'authenticated', value: { userId: cert.userId, deviceId: cert.deviceId, backlog } };
    },
  },
  authenticateAdmin: {
    writes: false,
    async run(c, v) {
      c.relay.directory.authenticateAdmin(c.takeChallenge(), v.signature);
      c.becomeAdmin();
      return OK;
    },
  },
  submitEnrolment: {
    writes: true,
    async run(c, v) {
      const r = await c.relay.enrolments.submit(v.request, c.enrolmentOrigin());
      c.awaitEnrolment(r.requestId, r.fresh);
      return { case: 'enrolmentSubmitted', value: { requestId: r.requestId } };
    },
  },
  pollEnrolment: {
    writes: false,
    async run(c, v) {
      const s = await c.relay.enrolments.status(v.requestId);
      return {
        case: 'enrolmentStatus',
        value: { state: ENROLMENT_STATE[s.state], deviceCertificate: s.device ?? new Uint8Array(), memberCertificate: s.member ?? new Uint8Array(), nonceRecord: s.nonceRecord ?? new Uint8Array() },
      };
    },
  },
  issueEnrolmentNonce: {
    writes: true,
    async run(c, v) {
      c.requireAdmin();
      await c.relay.enrolments.issueNonce(v.requestId, v.nonceRecord);
      return OK;
    },
  },
  listPending: {
    writes: false,
    async run(c) {
      c.requireAdmin();
      return { case: 'pending', value: { pending: (await c.relay.enrolments.listPending()).map((e) => ({ ...e, submittedMs: BigInt(e.submittedMs) })) } };
    },
  },
  publishMember: {
    writes: true,
    async run(c, v) {
      c.requireAdmin();
      await c.relay.directory.publishMember(v.memberCertificate);
      return OK;
    },
  },
  approveEnrolment: {
    writes: true,
    async run(c, v) {
      c.requireAdmin();
      await c.relay.enrolments.approve(v.requestId, v.code, v.deviceCertificate);
      return OK;
    },
  },
  publishRevocation: {
    writes: true,
    async run(c, v) {
      c.requireAdmin();
      await c.relay.directory.publishRevocation(v.revocation);
      return OK;
    },
  },
  readAudit: {
    writes: false,
    async run(c, v) {
      c.requireAdmin();
      const entries = await c.relay.store.readAudit(Number(v.afterSeq), Math.min(v.limit || 1000, 10_000));
      return { case: 'audit', value: { entries: entries.map((e) => ({ ...e, seq: BigInt(e.seq), atMs: BigInt(e.atMs) })) } };
    },
  },
  uploadPrekeys: {
    writes: true,
    async run(c, v) {
      await c.relay.store.putPrekeys(c.requireDevice(), {
        ...(v.signedPrekey.length ? { signedPrekey: v.signedPrekey } : {}),
        ...(v.kyberLastResort.length ? { kyberLastResort: v.kyberLastResort } : {}),
        oneTime: v.oneTime.slice(0, 1000),
        oneTimeKyber: v.oneTimeKyber.slice(0, 1000),
      });
      return OK;
    },
  },
  prekeyCount: {
    writes: false,
    async run(c) {
      return { case: 'prekeyCount', value: await c.relay.store.countPrekeys(c.requireDevice()) };
    },
  },
  fetchPrekeys: {
    writes: true,
    async run(c, v) {
      c.requireDevice();
      const bundles = await c.relay.directory.fetchPrekeys(v.userId);
      return {
        case: 'prekeyBundles',
        value: {
          bundles: bundles.map((b) => ({
            deviceId: b.deviceId,
            deviceCertificate: b.certificate,
            signedPrekey: b.bundle.signedPrekey,
            ...(b.bundle.oneTime ? { oneTime: b.bundle.oneTime } : {}),
            kyberPrekey: b.bundle.kyber.record,
            kyberPrekeyId: b.bundle.kyber.id,
            kyberIsLastResort: b.bundle.kyber.lastResort,
          })),
        },
      };
    },
  },
  send: {
    writes: true,
    async run(c, v) {
      return { case: 'sent', value: { recipients: await c.relay.router.send(c.requireDevice(), v.envelope) } };
    },
  },
  publishChannelChange: {
    writes: true,
    async run(c, v) {
      await c.relay.channels.publishChange(c.requireDevice(), v.change);
      return OK;
    },
  },
  sendWipe: {
    writes: true,
    async run(c, v) {
      return { case: 'sent', value: { recipients: await c.relay.channels.wipe(c.requireDevice(), v.wipe) } };
    },
  },
  fetchChannelState: {
    writes: false,
    async run(c, v) {
      return { case: 'channelState', value: { changes: await c.relay.channels.chain(c.requireDevice(), v.channelId) } };
    },
  },
  listChannels: {
    writes: false,
    async run(c) {
      return { case: 'channelList', value: { channels: await c.relay.channels.list(c.requireDevice()) } };
    },
  },
  fetchDirectory: {
    writes: false,
    async run(c, v) {
      c.requireDeviceOrAdmin();
      const d = await c.relay.directory.fetchDirectory(v.userIds);
      return {
        case: 'directory',
        value: { entries: d.entries.map((e) => ({ userId: e.userId, memberCertificate: e.member, deviceCertificates: e.devices })), revocations: d.revocations },
      };
    },
  },
};

/** Runs the handler of a request; an unknown kind is refused. */
export function handleRequest(c: RequestContext, req: RelayRequest): Promise<ResponseResult> {
  const op = req.op;
  if (op.case === undefined || !(op.case in REQUEST_HANDLERS)) {
    return Promise.reject(new RelayError('BAD_REQUEST', 'Unknown request; update Valise.'));
  }
  const h = REQUEST_HANDLERS[op.case] as Handler<RequestKind>;
  return h.run(c, op.value as never);
}

/** Whether the answer to this request must wait for the store to be durable. */
export function requestWrites(req: RelayRequest): boolean {
  const kind = req.op.case;
  return kind !== undefined && kind in REQUEST_HANDLERS && REQUEST_HANDLERS[kind].writes;
}
