import { z } from 'zod';
import { idSchema } from '@tristack/core/driver-kit';

export const completeMcpAuthorizationRequestSchema = z.object({
  userId: idSchema,
  tenantId: idSchema.optional(),
  /** The `code` query parameter your OAuth callback received. */
  authorizationCode: z.string().min(1).max(4_096),
  /** The id from the `authorization_required` result, when you kept it. */
  authorizationId: z.string().min(1).max(256).optional(),
});
export type CompleteMcpAuthorizationRequest = z.input<typeof completeMcpAuthorizationRequestSchema>;
