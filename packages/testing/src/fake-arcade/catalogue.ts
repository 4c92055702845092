import type { WireParameter, WireToolDefinition, WireToolError, WireValueSchema } from './wire-types.js';

/** What a fake tool sees when it runs: the caller and the server's per-user scratch state. */
export interface FakeToolContext {
  userId: string;
  /** State shared by every call of this server (issue counters, sent mail); deterministic. */
  state: Map<string, unknown>;
  /** Milliseconds since the epoch, from the server's clock. */
  now: number;
}

/** Thrown by a fake tool to answer `success: false` with this error. */
export class FakeToolFailure extends Error {
  constructor(readonly error: WireToolError) {
    super(error.message);
  }
}

export interface FakeArcadeTool {
  definition: WireToolDefinition;
  run(input: Record<string, unknown>, context: FakeToolContext): unknown;
}

type Run = FakeArcadeTool['run'];

interface FakeToolSpec {
  toolkit: { name: string; description: string; version: string };
  name: string;
  description: string;
  parameters: WireParameter[];
  /** @default { val_type: 'json' } */
  output?: WireValueSchema;
  authorization?: { provider: string; scopes: string[] };
  secrets?: string[];
  behavior: {
    readOnly: boolean;
    idempotent: boolean;
    destructive?: boolean;
    openWorld?: boolean;
    operation: string;
  };
  domains?: string[];
  run: Run;
}

/** A tool definition shaped like the engine's (`GET /v1/tools/{name}`), plus its behaviour. */
function fakeTool(spec: FakeToolSpec): FakeArcadeTool {
  const qualified = `${spec.toolkit.name}.${spec.name}`;
  return {
    definition: {
      fully_qualified_name: `${qualified}@${spec.toolkit.version}`,
      qualified_name: qualified,
      name: spec.name,
      description: spec.description,
      toolkit: spec.toolkit,
      input: { parameters: spec.parameters },
      output: { available_modes: ['value', 'error'], value_schema: spec.output ?? { val_type: 'json' } },
      requirements: {
        ...(spec.authorization
          ? {
              authorization: {
                provider_id: spec.authorization.provider,
                provider_type: 'oauth2',
                oauth2: { scopes: spec.authorization.scopes },
              },
            }
          : {}),
        ...(spec.secrets ? { secrets: spec.secrets.map((key) => ({ key })) } : {}),
      },
      metadata: {
        behavior: {
          read_only: spec.behavior.readOnly,
          destructive: spec.behavior.destructive ?? false,
          idempotent: spec.behavior.idempotent,
          open_world: spec.behavior.openWorld ?? true,
          operations: [spec.behavior.operation],
        },
        ...(spec.domains ? { classification: { service_domains: spec.domains } } : {}),
      },
    },
    run: spec.run,
  };
}

/** A parameter a model may fill in (`inferrable`), unless told otherwise. */
function parameter(
  name: string,
  required: boolean,
  description: string,
  valueSchema: WireValueSchema,
  inferrable = true,
): WireParameter {
  return { name, required, description, inferrable, value_schema: valueSchema };
}

const STRING = { val_type: 'string' };
const INTEGER = { val_type: 'integer' };
const STRINGS = { val_type: 'array', inner_val_type: 'string' };
const READ = { readOnly: true, idempotent: true, operation: 'read' };
const CREATE = { readOnly: false, idempotent: false, operation: 'create' };

function counter(state: Map<string, unknown>, key: string): number {
  const next = ((state.get(key) as number | undefined) ?? 0) + 1;
  state.set(key, next);
  return next;
}

function list<T>(state: Map<string, unknown>, key: string): T[] {
  let items = state.get(key) as T[] | undefined;
  if (!items) state.set(key, (items = []));
  return items;
}

// GitHub: issues (with a version history), pull requests, stars.
const GITHUB = { provider: 'github', scopes: ['repo'] };
const githubToolkit = (version: string) => ({
  name: 'Github',
  description: 'LLM tools for interacting with Github',
  version,
});

// Parameters as in arcade-js's own test fixture for Github.CreateIssue@0.1.10.
const createIssueParameters = [
  parameter('owner', true, 'The account owner of the repository. The name is not case sensitive.', STRING),
  parameter(
    'repo',
    true,
    'The name of the repository without the .git extension. The name is not case sensitive.',
    STRING,
  ),
  parameter('title', true, 'The title of the issue.', STRING),
  parameter('body', false, 'The contents of the issue.', STRING),
  parameter('assignees', false, 'Logins for Users to assign to this issue.', STRINGS),
  parameter('milestone', false, 'The number of the milestone to associate this issue with.', INTEGER),
  parameter('labels', false, 'Labels to associate with this issue.', STRINGS),
];

const createIssue: Run = (input, context) => {
  const repository = `${String(input.owner).toLowerCase()}/${String(input.repo).toLowerCase()}`;
  const number = counter(context.state, `github:issues:${repository}`);
  return JSON.stringify({
    number,
    title: input.title,
    body: input.body ?? null,
    state: 'open',
    html_url: `https://github.com/${repository}/issues/${number}`,
    user: { login: context.userId },
    assignees: input.assignees ?? [],
    labels: input.labels ?? [],
    ...(input.type !== undefined ? { type: input.type } : {}),
  });
};

/** Two versions of CreateIssue: the newer one adds a parameter (to test version pinning). */
function createIssueTool(version: string, description: string, extra: WireParameter[]): FakeArcadeTool {
  return fakeTool({
    toolkit: githubToolkit(version),
    name: 'CreateIssue',
    description,
    parameters: [...createIssueParameters, ...extra],
    output: { val_type: 'string' },
    authorization: GITHUB,
    behavior: CREATE,
    domains: ['source_code'],
    run: createIssue,
  });
}

const PULL_REQUESTS = [
  { number: 1, title: 'Add README', state: 'closed', author: 'octocat', labels: ['docs'], draft: false },
  { number: 2, title: 'Fix login redirect', state: 'open', author: 'hubot', labels: ['bug'], draft: false },
  {
    number: 3,
    title: 'WIP: new dashboard',
    state: 'open',
    author: 'octocat',
    labels: ['feature'],
    draft: true,
  },
];

const github: FakeArcadeTool[] = [
  createIssueTool('0.1.10', 'Create an issue in a GitHub repository.', []),
  createIssueTool('1.0.0', 'Create an issue in a GitHub repository, optionally typed.', [
    parameter('type', false, 'The issue type.', { val_type: 'string', enum: ['bug', 'feature', 'task'] }),
  ]),
  fakeTool({
    toolkit: githubToolkit('1.0.0'),
    name: 'ListPullRequests',
    description: 'List pull requests in a GitHub repository.',
    parameters: [
      parameter('owner', true, 'The account owner of the repository.', STRING),
      parameter('repo', true, 'The name of the repository.', STRING),
      parameter('state', false, 'Only pull requests in this state.', {
        val_type: 'string',
        enum: ['open', 'closed', 'all'],
      }),
      parameter('filters', false, 'Narrow the list further.', {
        val_type: 'json',
        properties: {
          author: { val_type: 'string', description: 'Login of the author.' },
          labels: { ...STRINGS, description: 'Every label must match.' },
          draft: { val_type: 'boolean', nullable: true, description: 'Only drafts (true) or non-drafts.' },
        },
        required_keys: ['author'],
      }),
      parameter('per_page', false, 'Results per page (max 100).', INTEGER),
    ],
    authorization: GITHUB,
    behavior: READ,
    domains: ['source_code'],
    run(input) {
      const state = (input.state as string | undefined) ?? 'open';
      const filters = (input.filters ?? {}) as { author?: string; labels?: string[]; draft?: boolean | null };
      const pullRequests = PULL_REQUESTS.filter(
        (pull) =>
          (state === 'all' || pull.state === state) &&
          (filters.author === undefined || pull.author === filters.author) &&
          (filters.labels ?? []).every((label) => pull.labels.includes(label)) &&
          (filters.draft === undefined || filters.draft === null || pull.draft === filters.draft),
      ).slice(0, (input.per_page as number | undefined) ?? 30);
      return { pull_requests: pullRequests, repository: `${String(input.owner)}/${String(input.repo)}` };
    },
  }),
  fakeTool({
    toolkit: githubToolkit('1.0.0'),
    name: 'SetStarred',
    description: 'Star or un-star a GitHub repository.',
    parameters: [
      parameter('owner', true, 'The owner of the repository.', STRING),
      parameter('name', true, 'The name of the repository.', STRING),
      parameter('starred', true, 'Whether to star the repository.', { val_type: 'boolean' }),
    ],
    output: { val_type: 'string' },
    authorization: GITHUB,
    behavior: { readOnly: false, idempotent: true, operation: 'update' },
    domains: ['source_code'],
    run(input, context) {
      const repository = `${String(input.owner)}/${String(input.name)}`.toLowerCase();
      const stars = list<string>(context.state, `github:stars:${context.userId}`);
      const index = stars.indexOf(repository);
      if (input.starred === true && index < 0) stars.push(repository);
      if (input.starred === false && index >= 0) stars.splice(index, 1);
      return `${input.starred ? 'Starred' : 'Unstarred'} ${repository}`;
    },
  }),
];

// Gmail: a per-user inbox (seeded, plus mail other users send to this user id).
interface FakeEmail {
  id: string;
  from: string;
  to: string;
  subject: string;
  body: string;
}

const SEEDED_EMAILS = [
  { from: 'billing@example.com', subject: 'Your invoice', body: 'Invoice #42 is ready.' },
  { from: 'team@example.com', subject: 'Standup notes', body: 'Notes from today.' },
  { from: 'alerts@example.com', subject: 'Build failed', body: 'main is red.' },
];

const gmailToolkit = { name: 'Gmail', description: 'Read and send Gmail messages', version: '3.0.0' };

const gmail: FakeArcadeTool[] = [
  fakeTool({
    toolkit: gmailToolkit,
    name: 'ListEmails',
    description: 'Read emails from a Gmail account and extract plain text content.',
    parameters: [parameter('n_emails', false, 'Number of emails to read (default 5).', INTEGER)],
    authorization: { provider: 'google', scopes: ['https://www.googleapis.com/auth/gmail.readonly'] },
    behavior: READ,
    domains: ['email'],
    run(input, context) {
      const seeded: FakeEmail[] = SEEDED_EMAILS.map((email, index) => ({
        id: `seed_${index + 1}`,
        to: context.userId,
        ...email,
      }));
      const received = list<FakeEmail>(context.state, 'gmail:sent').filter(
        (email) => email.to === context.userId,
      );
      const emails = [...received.toReversed(), ...seeded].slice(
        0,
        (input.n_emails as number | undefined) ?? 5,
      );
      return { emails };
    },
  }),
  fakeTool({
    toolkit: gmailToolkit,
    name: 'SendEmail',
    description: 'Send an email using the Gmail API.',
    parameters: [
      parameter('recipient', true, 'The recipient of the email.', STRING),
      parameter('subject', true, 'The subject of the email.', STRING),
      parameter('body', true, 'The body of the email.', STRING),
      parameter('cc', false, 'CC recipients.', STRINGS),
      parameter('bcc', false, 'BCC recipients.', STRINGS),
    ],
    authorization: { provider: 'google', scopes: ['https://www.googleapis.com/auth/gmail.send'] },
    behavior: CREATE,
    domains: ['email'],
    run(input, context) {
      const id = `msg_${counter(context.state, 'gmail:messages')}`;
      list<FakeEmail>(context.state, 'gmail:sent').push({
        id,
        from: context.userId,
        to: String(input.recipient),
        subject: String(input.subject),
        body: String(input.body),
      });
      return { id, thread_id: `thread_${id}`, recipient: input.recipient, subject: input.subject };
    },
  }),
];

// Slack: channels and messages; `team_id` is application-supplied (not inferrable).
const slackToolkit = { name: 'Slack', description: 'Read and post Slack messages', version: '1.2.0' };
const CHANNELS = [
  { name: 'general', type: 'public_channel' },
  { name: 'random', type: 'public_channel' },
  { name: 'leadership', type: 'private_channel' },
];

const slack: FakeArcadeTool[] = [
  fakeTool({
    toolkit: slackToolkit,
    name: 'ListChannels',
    description: 'List the Slack channels the user can see.',
    parameters: [
      parameter('types', false, 'Channel types to include.', {
        ...STRINGS,
        enum: ['public_channel', 'private_channel'],
      }),
      parameter('limit', false, 'Maximum channels to return.', INTEGER),
    ],
    authorization: { provider: 'slack', scopes: ['channels:read'] },
    behavior: READ,
    domains: ['messaging'],
    run(input) {
      const types = (input.types as string[] | undefined) ?? ['public_channel'];
      const limit = (input.limit as number | undefined) ?? 100;
      return { channels: CHANNELS.filter((channel) => types.includes(channel.type)).slice(0, limit) };
    },
  }),
  fakeTool({
    toolkit: slackToolkit,
    name: 'SendMessage',
    description: 'Send a message to a Slack channel.',
    parameters: [
      parameter('channel_name', true, 'The channel to post to.', STRING),
      parameter('message', true, 'The message text.', STRING),
      parameter('blocks', false, 'Block Kit blocks.', {
        val_type: 'array',
        inner_val_type: 'json',
        inner_properties: {
          type: { val_type: 'string', enum: ['section', 'divider'], description: 'Block type.' },
          text: { val_type: 'string', nullable: true, description: 'Block text (sections only).' },
        },
        inner_required_keys: ['type'],
      }),
      parameter('team_id', false, 'Slack workspace id, supplied by the application.', STRING, false),
    ],
    authorization: { provider: 'slack', scopes: ['chat:write'] },
    behavior: CREATE,
    domains: ['messaging'],
    run(input, context) {
      const sequence = counter(context.state, 'slack:messages');
      return {
        channel: input.channel_name,
        ts: `1700000000.${String(sequence).padStart(6, '0')}`,
        team_id: input.team_id ?? null,
        blocks: (input.blocks as unknown[] | undefined)?.length ?? 0,
      };
    },
  }),
];

// Tools without OAuth: one plain, one needing a secret.
const utilities: FakeArcadeTool[] = [
  fakeTool({
    toolkit: { name: 'Math', description: 'Arithmetic', version: '1.0.0' },
    name: 'Add',
    description: 'Add two numbers together.',
    parameters: [
      parameter('a', true, 'The first number.', { val_type: 'number' }),
      parameter('b', true, 'The second number.', { val_type: 'number' }),
    ],
    output: { val_type: 'number' },
    behavior: { ...READ, openWorld: false },
    run: (input) => (input.a as number) + (input.b as number),
  }),
  fakeTool({
    toolkit: { name: 'Web', description: 'Web tools', version: '2.0.0' },
    name: 'ScrapeUrl',
    description: 'Scrape a web page into markdown.',
    parameters: [parameter('url', true, 'The page to scrape.', STRING)],
    output: { val_type: 'string' },
    secrets: ['FIRECRAWL_API_KEY'],
    behavior: READ,
    run: (input) => `# ${String(input.url)}\n\nFake page content.`,
  }),
];

/** The default catalogue: GitHub, Gmail, Slack, Math and Web toolkits. */
export function defaultFakeArcadeCatalogue(): FakeArcadeTool[] {
  return [...github, ...gmail, ...slack, ...utilities];
}
