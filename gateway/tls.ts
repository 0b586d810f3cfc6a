import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import type { Config } from "./config.ts";

/**
 * TLS 1.3's suites (all AEAD with forward secrecy), then TLS 1.2's ECDHE + AEAD suites only: no
 * CBC, no RSA key exchange, no SHA-1 MACs. Anything older than TLS 1.2 is refused outright.
 */
const CIPHERS = [
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_AES_128_GCM_SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
].join(":");

/** The node's TLS identity as read from its files: what the listener serves, and what the log names. */
export interface TlsIdentity {
  /** Everything a secure context needs, protocol floor and suites included (a reload replaces all of it). */
  readonly context: SecureContextOptions;
  /** SHA-256 of the served certificate (colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it). */
  readonly fingerprint: string;
  readonly validTo: string;
  /** The client CRLs in force (TLS_CLIENT_CRL_FILE); absent without one. */
  readonly clientCrls?: ClientCrls;
}

/** What the log says of the client CRLs: which file, and how many CRLs it held. */
export interface ClientCrls {
  readonly file: string;
  readonly count: number;
}

type TlsFiles = Pick<
  Config,
  "TLS_CERT_FILE" | "TLS_KEY_FILE" | "TLS_CA_FILE" | "TLS_CLIENT_CA_FILE" | "TLS_CLIENT_CRL_FILE"
>;

const PEM_CRL = /-----BEGIN X509 CRL-----[\s\S]*?-----END X509 CRL-----/g;

/**
 * The CRLs of a PEM file, one string each. Node reads only the first CRL of a string it is given,
 * so a file of several would silently lose all but the first; as an array each one counts.
 */
function clientCrlsOf(pem: string, file: string): string[] {
  const crls = pem.match(PEM_CRL) ?? [];
  if (crls.length === 0)
    throw new Error(
      `TLS_CLIENT_CRL_FILE ${file} holds no PEM CRL (-----BEGIN X509 CRL-----): write the client CA's CRL there (openssl ca -gencrl)`,
    );
  crls.forEach((crl, index) => {
    try {
      createSecureContext({ crl });
    } catch {
      throw new Error(
        `TLS_CLIENT_CRL_FILE ${file}: CRL ${index + 1} of ${crls.length} does not parse: write the client CA's CRL there in PEM (openssl ca -gencrl)`,
      );
    }
  });
  return crls;
}

async function readSetting(files: TlsFiles, name: keyof TlsFiles): Promise<string | undefined> {
  const path = files[name];
  if (!path) return undefined;
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new Error(
      `${name} ${path} cannot be read (${code}): check the path and that this user may read it`,
    );
  }
}

/**
 * Reads and checks the certificate, key, CA and CRL files: the key must belong to the certificate,
 * the certificate must be valid now, and the CRL file must hold PEM CRLs. Throws an Error saying
 * which file is wrong and how.
 *
 * Whether a CRL is the client CA's (its issuer, its signature) and current is not checked here:
 * Node offers no CRL parser. OpenSSL checks both at every handshake and fails closed: a client
 * certificate whose CA has no CRL in force here (another CA's, a bad signature, past its next
 * update) is not verified, so a bound key is refused on it.
 */
export async function readTlsIdentity(files: TlsFiles, now: Date = new Date()): Promise<TlsIdentity> {
  const [cert, key, chain, clientCa, clientCrl] = await Promise.all([
    readSetting(files, "TLS_CERT_FILE"),
    readSetting(files, "TLS_KEY_FILE"),
    readSetting(files, "TLS_CA_FILE"),
    readSetting(files, "TLS_CLIENT_CA_FILE"),
    readSetting(files, "TLS_CLIENT_CRL_FILE"),
  ]);
  if (!cert || !key) throw new Error("HTTPS needs TLS_CERT_FILE and TLS_KEY_FILE");
  const crlFile = files.TLS_CLIENT_CRL_FILE;
  if (crlFile && !files.TLS_CLIENT_CA_FILE)
    throw new Error("TLS_CLIENT_CRL_FILE applies to client certificates: set TLS_CLIENT_CA_FILE too");
  const crls = crlFile && clientCrl !== undefined ? clientCrlsOf(clientCrl, crlFile) : undefined;
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new Error(`TLS_CERT_FILE ${files.TLS_CERT_FILE} holds no PEM certificate`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`TLS_KEY_FILE ${files.TLS_KEY_FILE} holds no unencrypted PEM private key`);
  }
  if (!leaf.checkPrivateKey(privateKey))
    throw new Error(
      `TLS_KEY_FILE ${files.TLS_KEY_FILE} is not the private key of the certificate in TLS_CERT_FILE`,
    );
  if (new Date(leaf.validTo) <= now || new Date(leaf.validFrom) > now)
    throw new Error(
      `the certificate in TLS_CERT_FILE is valid from ${leaf.validFrom} to ${leaf.validTo}, not now: renew it`,
    );
  const context: SecureContextOptions = {
    // The chain follows the leaf, so clients that only trust the root can build the path.
    cert: chain ? `${cert.trimEnd()}\n${chain}` : cert,
    key,
    minVersion: "TLSv1.2",
    ciphers: CIPHERS,
    honorCipherOrder: true,
    ...(clientCa ? { ca: clientCa } : {}),
    // With a CRL Node has OpenSSL check every certificate of a client's chain for revocation, so
    // each CA in TLS_CLIENT_CA_FILE needs its CRL in TLS_CLIENT_CRL_FILE.
    ...(crls ? { crl: crls } : {}),
  };
  try {
    createSecureContext(context);
  } catch (error) {
    throw new Error(
      `the TLS files are not usable together (${error instanceof Error ? error.message : String(error)}): check TLS_CA_FILE and TLS_CLIENT_CA_FILE hold PEM certificates`,
    );
  }
  return {
    context,
    fingerprint: leaf.fingerprint256,
    validTo: leaf.validTo,
    ...(crlFile && crls ? { clientCrls: { file: crlFile, count: crls.length } } : {}),
  };
}

/**
 * Server options of the HTTPS listener. With a client CA, certificates are asked for but not
 * demanded, so that clients without one keep working.
 */
export function httpsServerOptions(identity: TlsIdentity, requestClientCertificates: boolean) {
  return {
    ...identity.context,
    requestCert: requestClientCertificates,
    rejectUnauthorized: false,
  };
}
