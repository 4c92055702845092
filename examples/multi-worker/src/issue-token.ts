import { issueSessionToken } from './session.js';

// Demo client's login: `SESSION_SECRET=… tsx src/issue-token.ts <userId> [tenantId]` prints a bearer token.
const [userId = 'alice', tenantId = 'acme'] = process.argv.slice(2);
console.log(issueSessionToken(userId, tenantId));
