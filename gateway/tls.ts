import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import { Certificate, CertificateRevocationList } from "pkijs";
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
  /** The client CA and its CRLs as the gateway checks a forwarded certificate; absent without a client CA. */
  readonly clientTrust?: ClientTrust;
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
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

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

async function readSetting(files: Partial<TlsFiles>, name: keyof TlsFiles): Promise<string | undefined> {
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
 * Whether a CRL is current is not checked here: that changes with time, so it is checked at each
 * use. OpenSSL checks it at every handshake and fails closed: a client certificate whose CA has no
 * CRL in force here (another CA's, a bad signature, past its next update) is not verified, so a
 * bound key is refused on it. `clientCertificateProblem` does the same for forwarded certificates.
 */
export async function readTlsIdentity(files: TlsFiles, now: Date = new Date()): Promise<TlsIdentity> {
  const [cert, key, chain, client] = await Promise.all([
    readSetting(files, "TLS_CERT_FILE"),
    readSetting(files, "TLS_KEY_FILE"),
    readSetting(files, "TLS_CA_FILE"),
    readClientTrust(files),
  ]);
  if (!cert || !key) throw new Error("HTTPS needs TLS_CERT_FILE and TLS_KEY_FILE");
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
    ...(client ? { ca: client.caPem } : {}),
    // With a CRL Node has OpenSSL check every certificate of a client's chain for revocation, so
    // each CA in TLS_CLIENT_CA_FILE needs its CRL in TLS_CLIENT_CRL_FILE.
    ...(client?.crlPems ? { crl: [...client.crlPems] } : {}),
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
    ...(client?.clientCrls ? { clientCrls: client.clientCrls } : {}),
    ...(client ? { clientTrust: client.trust } : {}),
  };
}

/** The client CA file and its CRLs: as OpenSSL gets them for handshakes, and parsed for `clientCertificateProblem`. */
export interface ClientTrustMaterial {
  /** TLS_CLIENT_CA_FILE as read. */
  readonly caPem: string;
  /** TLS_CLIENT_CRL_FILE's CRLs, one PEM each; absent without one. */
  readonly crlPems?: readonly string[];
  readonly clientCrls?: ClientCrls;
  readonly trust: ClientTrust;
}

/**
 * The client CAs and their CRLs, parsed: what a certificate a TLS-terminating proxy forwards is
 * checked against (OpenSSL checks those of direct connections itself, from the same files).
 */
export interface ClientTrust {
  readonly authorities: readonly ClientAuthority[];
  /** TLS_CLIENT_CRL_FILE is set: every certificate below a root then needs its issuer's CRL in force. */
  readonly checksRevocation: boolean;
}

interface ClientAuthority {
  readonly certificate: X509Certificate;
  /** It issued itself (a root): a chain ends there. */
  readonly root: boolean;
  /** Its CRL in force here (the newest it signed), or why none of its CRLs can be used; absent: none in the file. */
  readonly crl?: AuthorityCrl | { readonly unusable: string };
}

interface AuthorityCrl {
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** The serial numbers it revokes (`serialKey`). */
  readonly revoked: ReadonlySet<string>;
}

/**
 * Reads TLS_CLIENT_CA_FILE and TLS_CLIENT_CRL_FILE (undefined without a client CA): each CRL is
 * matched to the CA that issued it by name and signature. A CRL of a CA not in the file is kept for
 * OpenSSL, which ignores it too.
 */
export async function readClientTrust(
  files: Pick<Config, "TLS_CLIENT_CA_FILE" | "TLS_CLIENT_CRL_FILE">,
): Promise<ClientTrustMaterial | undefined> {
  const crlFile = files.TLS_CLIENT_CRL_FILE;
  if (crlFile && !files.TLS_CLIENT_CA_FILE)
    throw new Error("TLS_CLIENT_CRL_FILE applies to client certificates: set TLS_CLIENT_CA_FILE too");
  const [caPem, crlText] = await Promise.all([
    readSetting(files, "TLS_CLIENT_CA_FILE"),
    readSetting(files, "TLS_CLIENT_CRL_FILE"),
  ]);
  if (caPem === undefined || !files.TLS_CLIENT_CA_FILE) return undefined;
  const crlPems = crlFile && crlText !== undefined ? clientCrlsOf(crlText, crlFile) : undefined;
  const crls = (crlPems ?? []).map((pem, index, all) => {
    try {
      return CertificateRevocationList.fromBER(derOf(pem));
    } catch {
      throw new Error(
        `TLS_CLIENT_CRL_FILE ${crlFile}: CRL ${index + 1} of ${all.length} does not parse: write the client CA's CRL there in PEM (openssl ca -gencrl)`,
      );
    }
  });
  const certificates = (caPem.match(PEM_CERTIFICATE) ?? []).map((pem, index, all) => {
    try {
      return new X509Certificate(pem);
    } catch {
      throw new Error(
        `TLS_CLIENT_CA_FILE ${files.TLS_CLIENT_CA_FILE}: certificate ${index + 1} of ${all.length} does not parse: write the client CA's certificate there in PEM`,
      );
    }
  });
  if (certificates.length === 0)
    throw new Error(
      `TLS_CLIENT_CA_FILE ${files.TLS_CLIENT_CA_FILE} holds no PEM certificate (-----BEGIN CERTIFICATE-----): write the client CA's certificate there`,
    );
  const authorities = await Promise.all(
    certificates.map(async (certificate): Promise<ClientAuthority> => {
      const crl = await crlOf(certificate, crls);
      return {
        certificate,
        root: certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey),
        ...(crl ? { crl } : {}),
      };
    }),
  );
  return {
    caPem,
    ...(crlFile && crlPems ? { crlPems, clientCrls: { file: crlFile, count: crlPems.length } } : {}),
    trust: { authorities, checksRevocation: crlPems !== undefined },
  };
}

/**
 * When the first of the client CAs' CRLs in force stops being in force (its next update): past it,
 * every certificate of that CA is refused, on direct connections (OpenSSL) and forwarded ones
 * alike, until a newer CRL is put in the file and the node reloads it (SIGHUP). Undefined without
 * CRLs, or where none names a next update.
 */
export function crlsValidUntil(trust: ClientTrust | undefined): Date | undefined {
  let earliest: Date | undefined;
  for (const { crl } of trust?.authorities ?? []) {
    const next = crl && !("unusable" in crl) ? crl.nextUpdate : undefined;
    if (next && (!earliest || next < earliest)) earliest = next;
  }
  return earliest;
}

const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ""), "base64");

/** A serial number as a set key: uppercase hex without leading zeros (as Node prints it, normalised). */
const serialKey = (hex: string) => hex.toUpperCase().replace(/^0+(?=.)/, "");

/**
 * The CRL of `authority` among `crls`: of those naming it as issuer, the newest whose signature its
 * key verifies. One with a critical extension is unusable (fail closed): an issuing distribution
 * point or a delta indicator narrows what a CRL covers, and this reader honours neither.
 */
async function crlOf(
  authority: X509Certificate,
  crls: readonly CertificateRevocationList[],
): Promise<ClientAuthority["crl"]> {
  const issuer = Certificate.fromBER(authority.raw);
  let newest: AuthorityCrl | undefined;
  let unusable: string | undefined;
  for (const crl of crls) {
    if (!crl.issuer.isEqual(issuer.subject)) continue;
    const critical = [
      ...(crl.crlExtensions?.extensions ?? []),
      ...(crl.revokedCertificates ?? []).flatMap((entry) => entry.crlEntryExtensions?.extensions ?? []),
    ].some((extension) => extension.critical);
    if (critical) {
      unusable ??= "UNHANDLED_CRITICAL_CRL_EXTENSION";
      continue;
    }
    if (!(await crl.verify({ issuerCertificate: issuer }).catch(() => false))) {
      unusable ??= "CRL_SIGNATURE_FAILURE";
      continue;
    }
    const thisUpdate = crl.thisUpdate.value;
    if (newest && newest.thisUpdate >= thisUpdate) continue;
    newest = {
      thisUpdate,
      ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate.value } : {}),
      revoked: new Set(
        (crl.revokedCertificates ?? []).map((entry) =>
          serialKey(Buffer.from(entry.userCertificate.valueBlock.valueHexView).toString("hex")),
        ),
      ),
    };
  }
  return newest ?? (unusable ? { unusable } : undefined);
}

/** The longest chain followed, leaf to root, within TLS_CLIENT_CA_FILE. */
const MAX_CHAIN = 10;
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

/**
 * Why a client certificate does not verify against the client CA and CRLs, in OpenSSL's words
 * (`CERT_REVOKED`, `CRL_HAS_EXPIRED`, `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`, …), or undefined when it
 * does. The checks of a handshake, in OpenSSL's order: a chain to a root in TLS_CLIENT_CA_FILE (each
 * certificate signed by the next, each issuer a CA); a client purpose when the leaf names purposes;
 * with TLS_CLIENT_CRL_FILE, each certificate below the root unrevoked by its issuer's CRL in force (a
 * CRL missing, not yet or no longer current, badly signed or not understood fails closed); and every
 * certificate within its dates.
 */
export function clientCertificateProblem(
  certificate: X509Certificate,
  trust: ClientTrust,
  now: Date = new Date(),
): string | undefined {
  const chain: { readonly certificate: X509Certificate; readonly issuer: ClientAuthority }[] = [];
  let current = certificate;
  for (;;) {
    if (chain.length >= MAX_CHAIN) return "CERT_CHAIN_TOO_LONG";
    const subject = current;
    const named = trust.authorities.filter((authority) => subject.checkIssued(authority.certificate));
    if (named.length === 0) return "UNABLE_TO_GET_ISSUER_CERT_LOCALLY";
    const issuer = named.find((authority) => subject.verify(authority.certificate.publicKey));
    if (!issuer) return "CERT_SIGNATURE_FAILURE";
    if (!issuer.certificate.ca) return "INVALID_CA";
    chain.push({ certificate: subject, issuer });
    if (issuer.root) break;
    current = issuer.certificate;
  }
  // Node names the extended key usage `keyUsage`; it is undefined when the certificate has none.
  const purposes = certificate.keyUsage as readonly string[] | undefined;
  if (purposes && !purposes.includes(CLIENT_AUTH) && !purposes.includes(ANY_EXTENDED_KEY_USAGE))
    return "INVALID_PURPOSE";
  if (trust.checksRevocation) {
    for (const link of chain) {
      const problem = revocationProblem(link.certificate, link.issuer, now);
      if (problem) return problem;
    }
  }
  for (const each of [...chain.map((link) => link.certificate), chain.at(-1)!.issuer.certificate]) {
    const from = new Date(each.validFrom);
    const to = new Date(each.validTo);
    if (Number.isNaN(from.getTime()) || from > now) return "CERT_NOT_YET_VALID";
    if (Number.isNaN(to.getTime()) || to < now) return "CERT_HAS_EXPIRED";
  }
  return undefined;
}

function revocationProblem(
  certificate: X509Certificate,
  issuer: ClientAuthority,
  now: Date,
): string | undefined {
  const crl = issuer.crl;
  if (!crl) return "UNABLE_TO_GET_CRL";
  if ("unusable" in crl) return crl.unusable;
  if (crl.thisUpdate > now) return "CRL_NOT_YET_VALID";
  if (crl.nextUpdate && crl.nextUpdate <= now) return "CRL_HAS_EXPIRED";
  return crl.revoked.has(serialKey(certificate.serialNumber)) ? "CERT_REVOKED" : undefined;
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
