// Every pattern is linear: one character class per repetition, no nested quantifiers over
// overlapping classes, so a 1 MB string cannot make one backtrack.

/** Not preceded by a token character, so `task-…` is not an `sk-…` key. */
const START = '(?<![A-Za-z0-9_-])';

function pattern(source: string, flags = 'g'): RegExp {
  return new RegExp(source, flags);
}

/**
 * Secrets recognised by their shape alone, wherever they appear (prose, URLs, JSON text, headers).
 * The whole match is replaced.
 */
export const defaultSecretPatterns: readonly RegExp[] = [
  // OpenAI (sk-…, sk-proj-…, sk-svcacct-…), Anthropic (sk-ant-…), OpenRouter (sk-or-…): with a digit,
  // so a word such as `sk-learn-pipeline-for-images` stays.
  pattern(`${START}sk-(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{20,}`),
  // Stripe secret and restricted keys, webhook secrets (publishable pk_… keys are public by design)
  pattern(`${START}[rs]k_(?:live|test)_[A-Za-z0-9]{10,}`),
  pattern(`${START}whsec_[A-Za-z0-9+/=]{16,}`),
  // GitHub
  pattern(`${START}gh[pousr]_[A-Za-z0-9]{20,}`),
  pattern(`${START}github_pat_[A-Za-z0-9_]{20,}`),
  // Slack tokens and webhook / workflow URLs
  pattern(`${START}xox[abposre]-[A-Za-z0-9-]{10,}`),
  pattern(`${START}xapp-[A-Za-z0-9-]{10,}`),
  pattern(`(?<=hooks\\.slack\\.com/(?:services|workflows|triggers)/)[A-Za-z0-9_/-]{8,}`),
  // Discord webhook token
  pattern(`(?<=discord(?:app)?\\.com/api/webhooks/[0-9]{5,25}/)[A-Za-z0-9_-]{20,}`),
  // AWS access key ids (temporary ones start ASIA)
  pattern(`(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])`),
  // Google API keys, OAuth access and refresh tokens, OAuth client secrets
  pattern(`${START}AIza[0-9A-Za-z_-]{35}`),
  pattern(`${START}ya29\\.[0-9A-Za-z_-]{20,}`),
  pattern(`(?<![\\w/])1//[0-9A-Za-z_-]{20,}`),
  pattern(`${START}GOCSPX-[A-Za-z0-9_-]{20,}`),
  // Azure AD client secret (`xxx8Q~…`)
  pattern(`(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}`),
  // GitLab
  pattern(`${START}gl(?:pat|dt|rt|ptt|ft|imt|oas|cbt|soat|agent)-[A-Za-z0-9_-]{20,}`),
  // npm, PyPI, Hugging Face, SendGrid, Arcade, Vault, Databricks, Mailgun, Postman, Atlassian, Notion
  pattern(`${START}npm_[A-Za-z0-9]{30,}`),
  pattern(`${START}pypi-AgE[A-Za-z0-9_-]{20,}`),
  pattern(`${START}hf_[A-Za-z0-9]{30,}`),
  pattern(`${START}SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}`),
  pattern(`${START}arc_[A-Za-z0-9_-]{16,}`),
  pattern(`${START}hv[sbr]\\.[A-Za-z0-9_-]{20,}`),
  pattern(`${START}dapi[0-9a-f]{32}`),
  pattern(`${START}key-[0-9a-f]{32}`),
  pattern(`${START}PMAK-[0-9a-f]{24}-[0-9a-f]{34}`),
  pattern(`${START}ATATT3[A-Za-z0-9_=-]{20,}`),
  pattern(`${START}(?:secret|ntn)_[A-Za-z0-9]{40,}`),
  // Other vendor prefixes (Groq, Replicate, Pinecone, Docker, LangSmith, Linear, Shopify,
  // DigitalOcean, Sentry, Figma, xAI, Perplexity, Tavily, NVIDIA, Fireworks): with a digit.
  pattern(
    `${START}(?:gsk|r8|pcsk|dckr_pat|lsv2_pt|lsv2_sk|lin_api|lin_oauth|shpat|shpss|shpca|shppa|dop_v1|doo_v1|dor_v1|sntrys|sntryu|figd|xai|pplx|tvly|nvapi|fw)[_-](?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{20,}`,
  ),
  // Supabase secret keys, Grafana service-account tokens, New Relic user keys, Doppler tokens,
  // Pulumi access tokens, Terraform Cloud / Enterprise tokens, Square access tokens
  pattern(`${START}sb_secret_[A-Za-z0-9_-]{20,}`),
  pattern(`${START}glsa_[A-Za-z0-9_]{20,}`),
  pattern(`${START}NRAK-[A-Z0-9]{20,}`),
  pattern(`${START}dp\\.(?:st|ct|sa|scim|audit|pt)\\.(?:[A-Za-z0-9_-]{1,40}\\.)?[A-Za-z0-9]{30,}`),
  pattern(`${START}pul-[0-9a-f]{40}`),
  pattern(`${START}[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{20,}`),
  pattern(`${START}EAAA[A-Za-z0-9_-]{40,}`),
  // Telegram bot token
  pattern(`(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_-]{33}`),
  // age secret key
  pattern(`AGE-SECRET-KEY-1[0-9A-Z]{58}`),
  // JWT / JWS / JWE: base64url JSON header, then two to four more dot-separated parts
  pattern(`${START}eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}(?:\\.[A-Za-z0-9_-]*){1,3}`),
];

/** Characters of a Bearer / Basic credential (RFC 6750 b64token). */
const SCHEME_CREDENTIAL = /\b(Bearer|Basic)([ \t]+)([A-Za-z0-9\-._~+/]+=*)/gi;

/**
 * A word after `Bearer` / `Basic` is a credential when it has a digit or symbol, mixes case
 * inside (`abcDEFghi`), or is long; so "Bearer of bad news" and "Basic information" stay.
 */
export function looksLikeCredential(word: string): boolean {
  if (word.length >= 20) return true;
  if (word.length < 8) return false;
  return /[0-9\-._~+/=]/.test(word) || /[a-z][A-Z]/.test(word) || /^[A-Z]{2}/.test(word);
}

/** Replaces the credential after `Bearer` / `Basic` in free text. */
export function redactSchemeCredentials(text: string, marker: string): string {
  SCHEME_CREDENTIAL.lastIndex = 0;
  return text.replace(SCHEME_CREDENTIAL, (match, scheme: string, space: string, credential: string) =>
    looksLikeCredential(credential) ? `${scheme}${space}${marker}` : match,
  );
}
