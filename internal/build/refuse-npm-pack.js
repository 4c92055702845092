// @ts-check
// `prepack` of every published package. Their package.json files name siblings as `workspace:^`,
// which only pnpm rewrites to real versions when it packs or publishes: a tarball made by
// `npm pack` keeps `workspace:^` and fails to install (EUNSUPPORTEDPROTOCOL). Refuse it early.
const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm')) {
  console.error(
    '[tristack] refusing to pack with ' +
      (agent.split(' ')[0] || 'an unknown client') +
      ': use `pnpm pack` (it rewrites workspace: ranges), or `pnpm publish`',
  );
  process.exit(1);
}
