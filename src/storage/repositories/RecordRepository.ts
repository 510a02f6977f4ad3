/**
 * Signed organisation records kept as opaque bytes plus the fields we look them up by:
 * certificates and revocations (crypto's CertificateStore) and wipe receipts. Decoding and
 * verifying them is the crypto layer's job.
 */
import crypto from 'node:crypto';
import type { CertificateStore } from '../../crypto/index.ts';
import type { Db } from '../Database.ts';

export interface WipeReceiptEntry {
  channelId: string;
  deviceId: string;
  epoch: number;
  record: Uint8Array;
  receivedAt: number;
}

export class RecordRepository implements CertificateStore {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      putCert: db.prepare('INSERT OR REPLACE INTO certificates (kind, user_id, device_id, record) VALUES (?, ?, ?, ?)'),
      certs: db.prepare<[string], { record: Buffer }>('SELECT record FROM certificates WHERE kind = ? ORDER BY user_id, device_id'),
      putRev: db.prepare('INSERT OR IGNORE INTO revocations (digest, record) VALUES (?, ?)'),
      revs: db.prepare<[], { record: Buffer }>('SELECT record FROM revocations ORDER BY id'),
      putReceipt: db.prepare(
        'INSERT OR REPLACE INTO wipe_receipts (channel_id, device_id, epoch, record, received_at) VALUES (?, ?, ?, ?, ?)',
      ),
      receipts: db.prepare<[string], { channel_id: string; device_id: string; epoch: number; record: Buffer; received_at: number }>(
        'SELECT * FROM wipe_receipts WHERE channel_id = ? ORDER BY device_id',
      ),
    };
  }

  loadCertificatesSync(): { members: Uint8Array[]; devices: Uint8Array[]; revocations: Uint8Array[] } {
    return {
      members: this.s.certs.all('member').map((r) => r.record),
      devices: this.s.certs.all('device').map((r) => r.record),
      revocations: this.s.revs.all().map((r) => r.record),
    };
  }

  async loadCertificates(): Promise<{ members: Uint8Array[]; devices: Uint8Array[]; revocations: Uint8Array[] }> {
    return this.loadCertificatesSync();
  }

  async saveMemberCertificate(userId: string, encoded: Uint8Array): Promise<void> {
    this.s.putCert.run('member', userId, 0, encoded);
  }

  async saveDeviceCertificate(userId: string, deviceId: number, encoded: Uint8Array): Promise<void> {
    this.s.putCert.run('device', userId, deviceId, encoded);
  }

  /** Keeps each distinct revocation once, however often the relay repeats it. */
  async saveRevocation(encoded: Uint8Array): Promise<void> {
    this.s.putRev.run(crypto.createHash('sha256').update(encoded).digest(), encoded);
  }

  putWipeReceipt(r: WipeReceiptEntry): void {
    this.s.putReceipt.run(r.channelId, r.deviceId, r.epoch, r.record, r.receivedAt);
  }

  wipeReceipts(channelId: string): WipeReceiptEntry[] {
    return this.s.receipts.all(channelId).map((r) => ({
      channelId: r.channel_id,
      deviceId: r.device_id,
      epoch: r.epoch,
      record: r.record,
      receivedAt: r.received_at,
    }));
  }
}
