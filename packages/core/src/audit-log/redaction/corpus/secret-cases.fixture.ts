import { fakeRandom } from './fake-random.fixture.js';

/** One secret placed somewhere in a value; `secret` is the part that must not survive. */
export interface SecretCase {
  name: string;
  input: unknown;
  secret: string;
}

const { text: random } = fakeRandom(20_240_517);
const cases: SecretCase[] = [];
const add = (name: string, input: unknown, secret: string) => cases.push({ name, input, secret });
const opaque = () => random('alnum', 28);
const base64Of = (value: string) => Buffer.from(value).toString('base64');

// ── 1. Key names across clouds and SaaS: the value has no recognisable shape of its own ──
const secretKeyNames = [
  // AWS
  'aws_secret_access_key',
  'secretAccessKey',
  'SecretAccessKey',
  'aws_session_token',
  'sessionToken',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'SecretString',
  // GCP
  'private_key',
  'private_key_id',
  'privateKey',
  'client_secret',
  'X-Goog-Signature',
  // Azure
  'AccountKey',
  'SharedAccessKey',
  'connectionString',
  'primaryConnectionString',
  'sas',
  'sasToken',
  'SharedAccessSignature',
  // Stripe, GitHub, Slack, OpenAI, Anthropic, Sentry
  'stripeSecretKey',
  'STRIPE_SECRET_KEY',
  'webhookSecret',
  'githubToken',
  'GITHUB_TOKEN',
  'slackBotToken',
  'SLACK_SIGNING_SECRET',
  'openaiApiKey',
  'OPENAI_API_KEY',
  'anthropic_api_key',
  'sentryDsn',
  // generic
  'password',
  'Password',
  'passwd',
  'pwd',
  'pass',
  'db_password',
  'PGPASSWORD',
  'passwordHash',
  'passphrase',
  'secret',
  'token',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'idToken',
  'csrfToken',
  'apiKey',
  'api_key',
  'x-api-key',
  'X-Api-Key',
  'authorization',
  'Authorization',
  'proxy-authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'session',
  'sessionId',
  'session_id',
  'jwt',
  'JWT',
  'dsn',
  'signature',
  'sig',
  'auth',
  'basicAuth',
  'otp',
  'encryptionKey',
  'signingKey',
  'masterKey',
  'credential',
];
const keyPlacements = [
  (key: string, value: string) => ({ [key]: value }),
  (key: string, value: string) => ({ request: { headers: { accept: 'application/json', [key]: value } } }),
  (key: string, value: string) => ({ tool: 'Http.Get', arguments: { config: [{ [key]: value }] } }),
];
secretKeyNames.forEach((key, index) => {
  const value = opaque();
  add(`key ${key}`, keyPlacements[index % keyPlacements.length]!(key, value), value);
});
{
  const value = `4/0A${random('base64url', 60)}`;
  add('key code (OAuth code)', { code: value, state: 'af0ifjsldkj' }, value);
  const hexCode = random('hex', 20);
  add('key code (GitHub 20-hex code)', { code: hexCode }, hexCode);
  const numeric = 918_273_645;
  add('key password holding a number', { password: numeric }, String(numeric));
}

// ── 2. Containers whose names say everything inside is secret ──
{
  const [a, b, c, d, e, f] = [opaque(), opaque(), opaque(), opaque(), opaque(), opaque()];
  add('container tokens (object)', { tokens: { github: a, slack: 'x', count: 2 } }, a);
  add('container tokens (array)', { tokens: [b] }, b);
  add('container secrets', { secrets: { db: { user: 'app', value: c } } }, c);
  add('container credentials', { credentials: { username: 'bob', secret: d } }, d);
  add('container apiKeys', { apiKeys: { openai: e } }, e);
  add('container sessions', { sessions: [{ id: f, createdAt: 1714566896000 }] }, f);
}

// ── 3. [name, value] pairs and { name, value } entries ──
{
  const [a, b, c, d, e, f] = [opaque(), opaque(), opaque(), opaque(), opaque(), opaque()];
  add('header tuple x-api-key', { headers: [['x-api-key', a]] }, a);
  add(
    'header tuple Authorization',
    {
      headers: [
        ['Authorization', `Bearer ${b}`],
        ['accept', 'json'],
      ],
    },
    b,
  );
  add('flat raw headers', { rawHeaders: ['Host', 'api.example.com', 'Cookie', `sid=${c}`] }, c);
  add('env entry name/value', { env: [{ name: 'DB_PASSWORD', value: d }] }, d);
  add('env entry Name/Value', { Parameters: [{ Name: 'OPENAI_API_KEY', Value: e }] }, e);
  add('tag entry key/value', { tags: [{ key: 'x-api-key', value: f }] }, f);
}

// ── 4. Shapes recognised anywhere in a string ──
const shapes: [string, () => [token: string, secret: string]][] = [
  ['OpenAI sk-', () => withTail('sk-', random('alnum', 48))],
  ['OpenAI sk-proj-', () => withTail('sk-proj-', random('base64url', 64))],
  ['OpenAI sk-svcacct-', () => withTail('sk-svcacct-', random('base64url', 64))],
  ['Anthropic sk-ant-api03-', () => withTail('sk-ant-api03-', `${random('base64url', 93)}AA`)],
  ['Anthropic sk-ant-admin01-', () => withTail('sk-ant-admin01-', `${random('base64url', 93)}AA`)],
  ['OpenRouter sk-or-v1-', () => withTail('sk-or-v1-', random('hex', 64))],
  ['Stripe sk_live_', () => withTail('sk_live_', random('alnum', 99))],
  ['Stripe sk_test_', () => withTail('sk_test_', random('alnum', 24))],
  ['Stripe rk_live_', () => withTail('rk_live_', random('alnum', 99))],
  ['Stripe whsec_', () => withTail('whsec_', random('alnum', 32))],
  ['GitHub ghp_', () => withTail('ghp_', random('alnum', 36))],
  ['GitHub gho_', () => withTail('gho_', random('alnum', 36))],
  ['GitHub ghu_', () => withTail('ghu_', random('alnum', 36))],
  ['GitHub ghs_', () => withTail('ghs_', random('alnum', 36))],
  ['GitHub ghr_', () => withTail('ghr_', random('alnum', 36))],
  ['GitHub github_pat_', () => withTail('github_pat_', `11A${random('alnum', 19)}_${random('alnum', 59)}`)],
  ['Slack xoxb-', () => withTail('xoxb-', `${digits(12)}-${digits(13)}-${random('alnum', 24)}`)],
  ['Slack xoxp-', () => withTail('xoxp-', `${digits(12)}-${digits(12)}-${digits(13)}-${random('hex', 32)}`)],
  ['Slack xoxa-', () => withTail('xoxa-2-', `${digits(12)}-${random('hex', 32)}`)],
  ['Slack xoxe-', () => withTail('xoxe.xoxp-1-', random('alnum', 140))],
  [
    'Slack xapp-',
    () => withTail('xapp-1-', `A${random('upperAlnum', 10)}-${digits(13)}-${random('hex', 64)}`),
  ],
  ['AWS AKIA', () => withTail('AKIA', random('upperAlnum', 16))],
  ['AWS ASIA', () => withTail('ASIA', random('upperAlnum', 16))],
  ['Google AIza', () => withTail('AIza', `Sy${random('base64url', 33)}`)],
  ['Google ya29.', () => withTail('ya29.', `a0${random('base64url', 150)}`)],
  ['Google refresh 1//', () => withTail('1//0', random('base64url', 100))],
  ['Google GOCSPX-', () => withTail('GOCSPX-', random('base64url', 28))],
  ['Azure AD client secret', () => withTail(`${random('alnum', 3)}8Q~`, random('base64url', 34))],
  ['GitLab glpat-', () => withTail('glpat-', random('base64url', 20))],
  ['GitLab gldt-', () => withTail('gldt-', random('base64url', 20))],
  ['npm npm_', () => withTail('npm_', random('alnum', 36))],
  ['PyPI pypi-', () => withTail('pypi-AgEIcHlwaS5vcmc', random('base64url', 70))],
  ['Hugging Face hf_', () => withTail('hf_', random('alnum', 34))],
  ['SendGrid SG.', () => withTail('SG.', `${random('base64url', 22)}.${random('base64url', 43)}`)],
  ['Arcade arc_', () => withTail('arc_', random('alnum', 32))],
  ['Vault hvs.', () => withTail('hvs.', random('alnum', 90))],
  ['Databricks dapi', () => withTail('dapi', random('hex', 32))],
  ['Mailgun key-', () => withTail('key-', random('hex', 32))],
  ['Postman PMAK-', () => withTail('PMAK-', `${random('hex', 24)}-${random('hex', 34)}`)],
  ['Atlassian ATATT3', () => withTail('ATATT3xFfGF0', random('base64url', 180))],
  ['Notion secret_', () => withTail('secret_', random('alnum', 43))],
  ['Notion ntn_', () => withTail('ntn_', random('alnum', 46))],
  ['Groq gsk_', () => withTail('gsk_', random('alnum', 52))],
  ['Replicate r8_', () => withTail('r8_', random('alnum', 37))],
  ['Pinecone pcsk_', () => withTail('pcsk_', `${random('alnum', 6)}_${random('alnum', 60)}`)],
  ['Docker dckr_pat_', () => withTail('dckr_pat_', random('base64url', 27))],
  ['LangSmith lsv2_pt_', () => withTail('lsv2_pt_', `${random('hex', 32)}_${random('hex', 10)}`)],
  ['Linear lin_api_', () => withTail('lin_api_', random('alnum', 40))],
  ['Shopify shpat_', () => withTail('shpat_', random('hex', 32))],
  ['DigitalOcean dop_v1_', () => withTail('dop_v1_', random('hex', 64))],
  ['Sentry sntrys_', () => withTail('sntrys_', random('base64url', 80))],
  ['Figma figd_', () => withTail('figd_', random('base64url', 40))],
  ['xAI xai-', () => withTail('xai-', random('alnum', 80))],
  ['Perplexity pplx-', () => withTail('pplx-', random('alnum', 48))],
  ['Tavily tvly-', () => withTail('tvly-', random('alnum', 32))],
  ['Telegram bot token', () => withTail(`${digits(10)}:AA`, random('base64url', 33))],
  ['age secret key', () => withTail('AGE-SECRET-KEY-1', random('upperAlnum', 58))],
  ['JWT', () => jwt(`.${random('base64url', 43)}`)],
  ['JWT without signature (alg none)', () => jwt('.')],
  ['JWE (five parts)', () => jweToken()],
];

function digits(length: number): string {
  return random('digits', length);
}
function withTail(prefix: string, tail: string): [string, string] {
  return [prefix + tail, tail];
}
function jwt(signature: string): [string, string] {
  const header = Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url');
  const payload = Buffer.from(
    `{"sub":"${random('alnum', 12)}","scope":"repo","n":"${random('alnum', 24)}"}`,
  ).toString('base64url');
  return [`${header}.${payload}${signature}`, payload];
}
function jweToken(): [string, string] {
  const header = Buffer.from('{"alg":"RSA-OAEP","enc":"A256GCM"}').toString('base64url');
  const key = random('base64url', 342);
  return [
    `${header}.${key}.${random('base64url', 16)}.${random('base64url', 60)}.${random('base64url', 22)}`,
    key,
  ];
}

const placements: [string, (token: string) => unknown][] = [
  ['bare', (token) => token],
  ['prose', (token) => `upstream rejected the credential ${token} for user 42, retrying`],
  ['JSON text', (token) => JSON.stringify({ error: { message: 'bad credential', detail: token } })],
  ['URL query', (token) => `https://api.example.com/v1/items?page=2&t=${token}&sort=asc`],
  ['custom header line', (token) => `X-Upstream-Echo: ${token}\r\nContent-Type: text/plain`],
  ['array item', (token) => ({ notes: ['first', token, 'last'] })],
  ['error', (token) => ({ error: new Error(`request failed (${token})`) })],
  ['nested arguments', (token) => ({ tool: 'Crm.Update', arguments: { config: { values: [token] } } })],
  ['quoted in a log line', (token) => `level=error msg="call failed" detail='${token}' attempt=2`],
  ['markdown code', (token) => `Run this:\n\n\`\`\`\ncurl -H "X-Trace: ${token}" https://x.example\n\`\`\``],
];
shapes.forEach(([shapeName, make], index) => {
  for (const offset of [0, 5]) {
    const [placementName, place] = placements[(index + offset) % placements.length]!;
    const [token, secret] = make();
    add(`${shapeName} (${placementName})`, place(token), secret);
  }
});

// ── 5. PEM private keys ──
for (const [index, label] of ['RSA ', 'EC ', '', 'OPENSSH ', 'ENCRYPTED ', 'PGP '].entries()) {
  const lines = Array.from({ length: 6 }, () => random('base64', 64));
  const suffix = label === 'PGP ' ? ' BLOCK' : '';
  const pem = `-----BEGIN ${label}PRIVATE KEY${suffix}-----\n${lines.join('\n')}\n-----END ${label}PRIVATE KEY${suffix}-----\n`;
  add(
    `PEM ${label || 'PKCS8 '}key`,
    index % 2 === 0 ? pem : { message: `loaded key:\n${pem}done` },
    lines[2]!,
  );
}
{
  const lines = Array.from({ length: 4 }, () => random('base64', 64));
  const truncated = `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}`;
  add('PEM key cut before its END line', `key was: ${truncated}`, lines[3]!);
  const escaped = JSON.stringify({
    note: `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`,
  });
  add('PEM key with escaped newlines in JSON text', `payload ${escaped} (truncated)`, lines[1]!);
}

// ── 6. Text: header lines, env lines, query strings, form bodies, config files ──
const textCases: [string, (value: string) => string][] = [
  ['Authorization: Bearer', (v) => `Authorization: Bearer ${v}`],
  ['Authorization: token', (v) => `GET /user HTTP/1.1\nAuthorization: token ${v}\nAccept: */*`],
  ['Authorization: Basic', (v) => `authorization: Basic ${base64Of(`bob:${v}`)}`],
  ['Authorization: Digest', (v) => `Authorization: Digest username="bob", realm="api", response="${v}"`],
  ['Proxy-Authorization', (v) => `Proxy-Authorization: Basic ${v}`],
  ['x-api-key header', (v) => `x-api-key: ${v}`],
  ['X-API-KEY header without space', (v) => `X-API-KEY:${v}`],
  ['api-key header', (v) => `api-key: ${v}\nx-ms-version: 2024-01-01`],
  ['password: line', (v) => `password: ${v}`],
  ['Password = ini', (v) => `[database]\nhost = db.internal\nPassword = ${v}`],
  ['Cookie first', (v) => `Cookie: sid=${v}; theme=dark`],
  ['Cookie later', (v) => `Cookie: theme=dark; sid=${v}; lang=en`],
  ['Set-Cookie', (v) => `Set-Cookie: session=${v}; Path=/; HttpOnly; Secure`],
  ['OPENAI_API_KEY=', (v) => `OPENAI_API_KEY=${v}`],
  ['export ANTHROPIC_API_KEY=""', (v) => `export ANTHROPIC_API_KEY="${v}"`],
  ['STRIPE_SECRET_KEY=', (v) => `STRIPE_SECRET_KEY=${v}\nSTRIPE_MODE=live`],
  ['REDIS_PASSWORD=', (v) => `REDIS_HOST=cache\nREDIS_PASSWORD=${v}`],
  ['DB_PASS=', (v) => `DB_USER=app DB_PASS=${v} node server.js`],
  ['npmrc _authToken', (v) => `//registry.npmjs.org/:_authToken=${v}`],
  ['--password=', (v) => `psql --host db --password=${v} --dbname app`],
  ['YAML nested password', (v) => `db:\n  host: db.internal\n  password: ${v}\n  port: 5432`],
  [
    'YAML client_secret quoted',
    (v) => `oauth:\n  client_id: "1234.apps.example.com"\n  client_secret: "${v}"`,
  ],
  [
    'query sig= (Azure SAS)',
    (v) => `https://acct.blob.core.windows.net/c/f.txt?sv=2022-11-02&sr=b&sp=r&sig=${v}%2B${v}%3D`,
  ],
  [
    'query X-Amz-Signature=',
    (v) =>
      `https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900&X-Amz-Signature=${v}`,
  ],
  [
    'query X-Amz-Credential=',
    (v) =>
      `https://b.s3.amazonaws.com/k?X-Amz-Credential=${v}%2F20240501%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240501T000000Z`,
  ],
  [
    'query X-Amz-Security-Token=',
    (v) => `https://b.s3.amazonaws.com/k?X-Amz-Security-Token=${v}&X-Amz-Date=20240501T000000Z`,
  ],
  ['query code=', (v) => `https://app.example.com/callback?code=${v}&state=xyz`],
  [
    'fragment access_token=',
    (v) => `https://app.example.com/cb#access_token=${v}&token_type=bearer&expires_in=3600`,
  ],
  ['query client_secret=', (v) => `POST https://oauth2.example.com/token?client_id=abc&client_secret=${v}`],
  ['query password=', (v) => `jdbc:postgresql://db:5432/app?user=app&password=${v}&ssl=true`],
  ['query token=', (v) => `wss://realtime.example.com/socket?token=${v}`],
  ['query api_key=', (v) => `https://api.example.com/data?api_key=${v}`],
  ['query key=', (v) => `https://maps.example.com/api/js?key=${v}&callback=init`],
  ['form refresh_token=', (v) => `grant_type=refresh_token&refresh_token=${v}&client_id=abc`],
  [
    'form code=',
    (v) => `grant_type=authorization_code&code=${v}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb`,
  ],
  ['form password=', (v) => `username=bob&password=${v}&remember=1`],
  ['form client_secret=', (v) => `client_id=web&client_secret=${v}&grant_type=client_credentials`],
  ['JSON text access_token', (v) => `{"access_token":"${v}","token_type":"Bearer","expires_in":3600}`],
  ['JSON text refresh_token', (v) => `{"refresh_token": "${v}", "scope": "repo"}`],
  ['JSON text id_token', (v) => `[{"id_token":"${v}"}]`],
  ['JSON text tokens array', (v) => `{"tokens":["${v}"]}`],
  ['JSON text secrets object', (v) => `{"secrets":{"db":"${v}"}}`],
  ['JSON text header tuple', (v) => `{"headers":[["x-api-key","${v}"]]}`],
  ['JSON text env entry', (v) => `{"env":[{"name":"OPENAI_API_KEY","value":"${v}"}]}`],
  ['JSON inside prose', (v) => `upstream 500: {"error":"invalid_grant","access_token":"${v}"} (request 7)`],
  ['JSON tokens array inside prose', (v) => `saw {"tokens": ["${v}", "x"]} in the reply`],
  ['tuple inside prose', (v) => `headers were [["x-api-key", "${v}"]] on retry`],
  ['double-encoded JSON', (v) => JSON.stringify(JSON.stringify({ client_secret: v }))],
  ['Python dict repr', (v) => `kwargs={'password': '${v}', 'user': 'bob'}`],
  [
    'ADO.NET connection string',
    (v) => `Server=tcp:db.example.net,1433;Database=app;User ID=app;Password=${v};Encrypt=true`,
  ],
  [
    'Azure storage connection string',
    (v) =>
      `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${v}+/==;EndpointSuffix=core.windows.net`,
  ],
  [
    'Azure Service Bus connection string',
    (v) => `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${v}=`,
  ],
  [
    'GCP service account JSON',
    (v) =>
      JSON.stringify({
        type: 'service_account',
        project_id: 'p',
        private_key_id: v,
        client_email: 'svc@p.iam.gserviceaccount.com',
      }),
  ],
  ['session= cookie in prose', (v) => `the browser sent session=${v} with the request`],
  ['jwt: in YAML', (v) => `auth:\n  jwt: ${v}`],
  ['SENTRY_DSN=', (v) => `SENTRY_DSN=https://${v}@o123.ingest.sentry.io/42`],
  ['Bearer token of letters only', () => ''],
];
for (const [name, make] of textCases) {
  if (name === 'Bearer token of letters only') continue;
  const value = opaque();
  add(`text ${name}`, make(value), value);
}
{
  const letters = random('letters', 32);
  add('Bearer token of letters only', `called with Bearer ${letters} and failed`, letters);
  const mixed = random('base64url', 40);
  add('Bearer token in prose', `retrying with bearer ${mixed}`, mixed);
  const basic = base64Of(`svc:${random('alnum', 16)}`);
  add('Basic credential in prose', `sent Basic ${basic} to the proxy`, basic);
  const hex = random('hex', 64);
  add('Slack signing secret env', `SLACK_SIGNING_SECRET=${hex}`, hex);
  const awsSecret = random('base64', 40);
  add('AWS secret env line', `AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=${awsSecret}`, awsSecret);
  const iniSecret = random('base64', 40);
  add(
    'AWS credentials file',
    `[default]\naws_access_key_id = x\naws_secret_access_key = ${iniSecret}`,
    iniSecret,
  );
}

// ── 7. Connection strings with userinfo ──
const schemes = [
  'redis',
  'rediss',
  'postgres',
  'postgresql',
  'mysql',
  'mongodb',
  'mongodb+srv',
  'amqp',
  'amqps',
];
schemes.forEach((scheme, index) => {
  const withUser = opaque();
  add(
    `${scheme}://user:password@`,
    `connecting to ${scheme}://app_user:${withUser}@db-${index}.internal:5432/app`,
    withUser,
  );
  const emptyUser = opaque();
  add(`${scheme}://:password@`, { url: `${scheme}://:${emptyUser}@cache-${index}.internal` }, emptyUser);
});
{
  const withAt = opaque();
  add('password holding @', `redis://default:p@ss${withAt}@cache.internal:6379/0`, withAt);
  const gitToken = random('alnum', 36);
  add(
    'https://x-access-token:T@github.com',
    `git clone https://x-access-token:${gitToken}@github.com/acme/app.git`,
    gitToken,
  );
  const userOnly = random('hex', 40);
  add('https://TOKEN@host', `remote: https://${userOnly}@github.com/acme/app.git`, userOnly);
  const jdbc = opaque();
  add('jdbc:mysql://user:pw@', `jdbc:mysql://root:${jdbc}@db:3306/app`, jdbc);
}

// ── 8. Found by the second security review (kept apart so earlier cases keep their values) ──
const reviewKeyNames = [
  'Ocp-Apim-Subscription-Key',
  'DD-APPLICATION-KEY',
  'DD_APP_KEY',
  'x-functions-key',
  'passcode',
  'cardPin',
  'pin',
  'mnemonic',
  'seedPhrase',
  'walletPrivKey',
  'bearer',
  'api_key_value',
  'password_value',
];
reviewKeyNames.forEach((key, index) => {
  const value = opaque();
  add(`key ${key}`, keyPlacements[index % keyPlacements.length]!(key, value), value);
});
{
  const digitsOnly = random('digits', 8);
  add('key passcode holding digits', { passcode: digitsOnly }, digitsOnly);
  const words = 'abandon ability able about above absent absorb abstract absurd abuse access accident';
  add('key mnemonic holding words', { wallet: { mnemonic: words } }, words);
  const headerText = opaque();
  add('text Ocp-Apim-Subscription-Key header', `Ocp-Apim-Subscription-Key: ${headerText}`, headerText);
}
const reviewShapes: [string, () => [token: string, secret: string]][] = [
  ['Supabase sb_secret_', () => withTail('sb_secret_', `${random('base64url', 22)}_${random('alnum', 8)}`)],
  ['Grafana glsa_', () => withTail('glsa_', `${random('alnum', 32)}_${random('hex', 8)}`)],
  ['New Relic NRAK-', () => withTail('NRAK-', random('upperAlnum', 27))],
  ['Doppler dp.st.', () => withTail('dp.st.prd.', random('alnum', 43))],
  ['Doppler dp.pt.', () => withTail('dp.pt.', random('alnum', 43))],
  ['Pulumi pul-', () => withTail('pul-', random('hex', 40))],
  ['Terraform Cloud atlasv1', () => withTail(`${random('alnum', 14)}.atlasv1.`, random('base64url', 67))],
  ['Square EAAA', () => withTail('EAAA', random('base64url', 60))],
];
reviewShapes.forEach(([shapeName, make], index) => {
  for (const offset of [0, 5]) {
    const [placementName, place] = placements[(index + offset) % placements.length]!;
    const [token, secret] = make();
    add(`${shapeName} (${placementName})`, place(token), secret);
  }
});
const reviewTextCases: [string, (value: string) => string][] = [
  [
    'URL-encoded redirect with access_token',
    (v) => `https://app.example.com/cb?redirect=https%3A%2F%2Fapi.example.com%2F%3Faccess_token%3D${v}`,
  ],
  [
    'URL-encoded next with later token',
    (v) => `https://login.example.com/?next=%2Foauth%2Fdone%3Fstate%3Dabc%26token%3D${v}%26x%3D1`,
  ],
  ['URL-encoded client_secret', (v) => `returnTo=%2Fcb%3Fclient_id%3Dweb%26client_secret%3D${v}`],
  ['XML <password>', (v) => `<config><user>app</user><password>${v}</password></config>`],
  ['XML <token>', (v) => `<auth><token>${v}</token><expires>3600</expires></auth>`],
  ['XML <secret>', (v) => `<client><id>web</id><secret>${v}</secret></client>`],
  ['XML <apiKey> with attribute', (v) => `<service name="maps"><apiKey env="prod">${v}</apiKey></service>`],
  ['XML namespaced <wsse:Password>', (v) => `<wsse:Password Type="PasswordText">${v}</wsse:Password>`],
  ['mysql -p<pw>', (v) => `mysql -u root -p${v} -h db.internal`],
  ['mysqldump -p"<pw>"', (v) => `mysqldump -h db -u app -p"${v}" app > dump.sql`],
  ['mariadb --password=', (v) => `mariadb --user=app --password=${v} app`],
];
for (const [name, make] of reviewTextCases) {
  const value = opaque();
  add(`text ${name}`, make(value), value);
}

export const secretCases: readonly SecretCase[] = cases;
