export const packageName = '@tristack/arcade';
export { ArcadeToolProvider } from './arcade-tool-provider.js';
export type { ArcadeToolProviderOptions } from './arcade-tool-provider-options.js';
export { defaultArcadeUserId, type ArcadeCaller } from './arcade-user-id.js';
export {
  convertInputSchema,
  convertValueSchema,
  type ArcadeValueSchema,
  type ConvertedInputSchema,
} from './arcade-input-schema.js';
export { mapArcadeToolError, mapArcadeRequestError } from './arcade-error-mapping.js';
export { tokenRedactingFetch, stripAuthorizationContext } from './token-redacting-fetch.js';
export {
  waitForArcadeAuthorization,
  type WaitForArcadeAuthorizationOptions,
} from './wait-for-arcade-authorization.js';
