/** Node's codes for a server certificate that no trusted authority signed. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Node's message, and for an untrusted certificate what the operator can do about it. */
export function failureReason(error: NodeJS.ErrnoException, caBundle: string | undefined): string {
  if (error.code === undefined || !UNTRUSTED_CERTIFICATE.has(error.code)) return error.message;
  const trusted = caBundle === undefined ? "the system's certificate authorities" : `the certificate authorities of CA_BUNDLE ${caBundle}`;
  const remedy = caBundle === undefined ? '; if your own authority signed it, set CA_BUNDLE to its PEM file' : '';
  return `the server's certificate is not signed by ${trusted} (${error.message})${remedy}`;
}
