import { createMiddleware } from 'langchain';
import {
  defaultRunIdentity,
  MissingRunIdentityError,
  runIdentityContextSchema,
  type ResolveRunIdentity,
} from '../run-context.js';

export interface IdentityGuardOptions {
  /** @default defaultRunIdentity */
  identity?: ResolveRunIdentity;
  /**
   * `true`: a run without a user throws `MissingRunIdentityError` before anything else runs.
   * `false`: it runs (no memory, audit events without a user) and the first such run warns once.
   */
  required: boolean;
  /** Where the one warning goes. @default console.warn */
  warn?: (message: string) => void;
}

/**
 * Fails a run that lacks `context.userId` before any model call, audit event or limiter charge:
 * without it memory is silently skipped and every anonymous caller shares one audit identity.
 */
export function identityGuardMiddleware(options: IdentityGuardOptions) {
  const identityOf = options.identity ?? defaultRunIdentity;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  let warned = false;
  return createMiddleware({
    name: 'TristackIdentityGuard',
    contextSchema: runIdentityContextSchema,
    beforeAgent: (_state, runtime) => {
      if (identityOf(runtime).userId !== undefined) return;
      if (options.required) throw new MissingRunIdentityError('productionMiddleware', 'userId');
      if (warned) return;
      warned = true;
      warn(
        '[tristack] [langchain] productionMiddleware: a run without context.userId (requireIdentity: false): ' +
          'no conversation memory, audit events without a user; warned once',
      );
    },
  });
}
