/** One `notifications/progress` of a running call, with the identity and tool it belongs to. */
export interface McpProgress {
  userId: string;
  tenantId?: string;
  toolName: string;
  progress: number;
  total?: number;
  message?: string;
}
