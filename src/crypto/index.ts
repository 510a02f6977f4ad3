/**
 * The crypto layer's public surface (DESIGN.md §2, §4, §5). Other layers import from here only.
 *
 * For the relay: `verifyDeviceCertificate`, `verifyMemberCertificate`, `verifyRevocation`,
 * `verifyAuthChallenge` / `verifyAdminChallenge`, `applyChannelChange` (with an `OrgTrust` view),
 * `verifyWipeCommand`, `verifyEnrolmentRequest`, `verifyEnrolmentNonce` / `enrolmentCode` (the
 * comparison code needs the officer's nonce),
 * `decodeEnvelope` for routing fields.
 */
export * from './errors.ts';
export * from './codec.ts';
export { CONTEXT, signRecord, verifyRecord, openRecord } from './signing.ts';
export * from './OrgRoot.ts';
export * from './certificates.ts';
export * from './OrgTrust.ts';
export * from './ChannelState.ts';
export * from './applyChannelChange.ts';
export * from './verifyChannelChain.ts';
export * from './wipe.ts';
export * from './enrolment.ts';
export * from './enrolmentNonce.ts';
export * from './relayAuth.ts';
export * from './stores.ts';
export * from './DeviceKeys.ts';
export * from './SessionCipher.ts';
export * from './ChannelCipher.ts';
export * from './orderedId.ts';
export * from './GroupDecryptWorker.ts';
export * from './safetyNumber.ts';
export * from './envelopeCodec.ts';
export * from './contentCodec.ts';
export { AttachmentEncryptor, decryptAttachment, bindingContext, DIGEST_SIZE, type AttachmentBinding, type AttachmentDescriptor } from './attachments/AttachmentCipher.ts';
export { AttachmentError } from './attachments/AttachmentError.ts';
export { blobLength, isBlobLength, paddedSize } from './attachments/paddedSize.ts';
