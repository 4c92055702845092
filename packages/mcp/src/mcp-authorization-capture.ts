import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';

/** Where the SDK wanted to send the user's browser: the consent URL of a 401 challenge. */
export interface CapturedAuthorization {
  url: URL | undefined;
}

/**
 * Delegates to the application's OAuth client but keeps the consent URL instead of "redirecting":
 * a server process has no browser, so the URL becomes an `authorization_required` result.
 */
export function captureAuthorization(
  inner: OAuthClientProvider,
  captured: CapturedAuthorization,
): OAuthClientProvider {
  const wrapped: OAuthClientProvider = {
    get redirectUrl() {
      return inner.redirectUrl;
    },
    get clientMetadata() {
      return inner.clientMetadata;
    },
    clientInformation: () => inner.clientInformation(),
    tokens: () => inner.tokens(),
    saveTokens: (tokens) => inner.saveTokens(tokens),
    saveCodeVerifier: (verifier) => inner.saveCodeVerifier(verifier),
    codeVerifier: () => inner.codeVerifier(),
    redirectToAuthorization: (url) => {
      captured.url = url;
    },
  };
  // Optional members keep their absence: the SDK branches on whether they exist.
  if (inner.clientMetadataUrl !== undefined) wrapped.clientMetadataUrl = inner.clientMetadataUrl;
  if (inner.state) wrapped.state = () => inner.state!();
  if (inner.saveClientInformation) {
    wrapped.saveClientInformation = (information) => inner.saveClientInformation!(information);
  }
  if (inner.addClientAuthentication) wrapped.addClientAuthentication = inner.addClientAuthentication;
  if (inner.validateResourceURL) {
    wrapped.validateResourceURL = (serverUrl, resource) => inner.validateResourceURL!(serverUrl, resource);
  }
  if (inner.invalidateCredentials) {
    wrapped.invalidateCredentials = (scope) => inner.invalidateCredentials!(scope);
  }
  return wrapped;
}
