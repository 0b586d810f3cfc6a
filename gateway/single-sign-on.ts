import * as oidc from "openid-client";
import type { SignOnChecks, SignOnIdentity, SignOnSettings } from "../control/single-sign-on.ts";
import { DomainError } from "../policies/errors.ts";
import type { Config } from "./config.ts";

/** The console's OpenID Connect relying party, as configured (OIDC_* settings). */
export interface SingleSignOnSettings extends SignOnSettings {
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  /** This gateway's callback as registered at the provider. */
  readonly redirectUrl: URL;
  readonly scopes: string;
  readonly roleClaim: string;
  readonly subjectClaim: string;
  /** The provider's name on the sign-in button. */
  readonly providerName: string;
}

/** The settings of a configuration with OIDC_ISSUER set, the client secret read by the caller. */
export function singleSignOnSettings(config: Config, clientSecret: string): SingleSignOnSettings {
  if (!config.OIDC_ISSUER || !config.OIDC_CLIENT_ID || !config.OIDC_REDIRECT_URL || !config.OIDC_ROLES) {
    throw new Error("single sign-on is not configured (loadConfig checks that every OIDC_ setting is there)");
  }
  const issuer = new URL(config.OIDC_ISSUER);
  const providerName = config.OIDC_PROVIDER_NAME ?? issuer.host;
  return {
    issuer,
    clientId: config.OIDC_CLIENT_ID,
    clientSecret,
    redirectUrl: new URL(config.OIDC_REDIRECT_URL),
    scopes: config.OIDC_SCOPES,
    roleClaim: config.OIDC_ROLE_CLAIM,
    subjectClaim: config.OIDC_SUBJECT_CLAIM,
    providerName,
    mapping: config.OIDC_ROLES,
    defaultOrganization: providerName,
    contact: config.OIDC_CONTACT,
  };
}

/**
 * The authorization code flow with PKCE, state and nonce, through openid-client. The provider's
 * metadata is discovered on first use (and again after a failure), so a gateway starts while the
 * provider is down and key sign-in keeps working.
 */
export class SingleSignOn {
  #configuration: Promise<oidc.Configuration> | undefined;

  constructor(readonly settings: SingleSignOnSettings) {}

  #discovered(): Promise<oidc.Configuration> {
    if (!this.#configuration) {
      const insecure = this.settings.issuer.protocol === "http:";
      this.#configuration = oidc
        .discovery(this.settings.issuer, this.settings.clientId, this.settings.clientSecret, undefined, {
          // Plain HTTP only reaches here for a loopback issuer (loadConfig refuses any other).
          // ID token signatures are checked against the provider's keys even though the token comes
          // straight from its token endpoint: a proxy or a misrouted endpoint cannot forge a person.
          execute: [...(insecure ? [oidc.allowInsecureRequests] : []), oidc.enableNonRepudiationChecks],
        })
        .catch((error: unknown) => {
          this.#configuration = undefined;
          throw new DomainError(
            "NOT_READY",
            "the identity provider does not answer; try again shortly, or sign in with an API key",
            { cause: error instanceof Error ? error.name : "unknown" },
          );
        });
    }
    return this.#configuration;
  }

  /** Fresh checks and the provider's URL that starts a sign-in with them. */
  async start(): Promise<{ readonly url: URL; readonly checks: SignOnChecks }> {
    const configuration = await this.#discovered();
    const checks = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUrl.href,
      scope: this.settings.scopes,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: "S256",
    });
    return { url, checks };
  }

  /**
   * Redeems the code the provider sent the browser back with and answers the person its validated
   * ID token names. Any failure (state, nonce, PKCE, issuer, audience, expiry, signature, the
   * provider's own error) is an UNAUTHENTICATED DomainError; `extra.cause` names the check, never a token.
   */
  async finish(callbackQuery: string, checks: SignOnChecks): Promise<SignOnIdentity> {
    const configuration = await this.#discovered();
    // The callback URL as registered, whatever host or proxy the request came through.
    const current = new URL(this.settings.redirectUrl);
    current.search = callbackQuery;
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      throw new DomainError(
        "UNAUTHENTICATED",
        "the identity provider's answer did not pass this gateway's checks; start the sign-in again",
        { cause: failureName(error) },
      );
    }
    const subject = claims?.[this.settings.subjectClaim];
    if (!claims || typeof subject !== "string" || subject.length === 0 || subject.length > 200) {
      throw new DomainError(
        "UNAUTHENTICATED",
        `the identity provider's token names nobody in claim '${this.settings.subjectClaim}'; ask ${this.settings.contact}`,
        { cause: "subject claim" },
      );
    }
    const roles = claims[this.settings.roleClaim];
    const roleValues = (Array.isArray(roles) ? roles : [roles]).filter(
      (v): v is string => typeof v === "string",
    );
    const name = [claims.name, claims.preferred_username, subject].find(
      (v): v is string => typeof v === "string" && v.trim().length > 0,
    );
    return {
      issuer: claims.iss,
      subject,
      name: (name ?? subject).trim().slice(0, 200),
      roleValues,
    };
  }
}

/** Which check failed, as openid-client names it (codes, not messages: a message may quote a token). */
function failureName(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError) return `provider error ${error.error}`.slice(0, 100);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${error.name} ${code}` : error.name;
  }
  return "unknown";
}
