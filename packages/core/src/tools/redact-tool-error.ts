import { Redactor } from '../audit-log/redactor.js';
import type { ToolError } from './tool-result.js';

/** Upstream services echo credentials into their errors; tool providers pass none of them on. */
const redactor = new Redactor();

/** Text from upstream (an error message, a body) with every credential shape removed. */
export function redactUpstreamText(text: string): string {
  return redactor.redactString(text);
}

/** The error with every text field (message, developer message, prompt content) redacted. */
export function redactToolError(error: ToolError): ToolError {
  const redacted: ToolError = { ...error, message: redactor.redactString(error.message) };
  if (error.developerMessage !== undefined) {
    redacted.developerMessage = redactor.redactString(error.developerMessage);
  }
  if (error.additionalPromptContent !== undefined) {
    redacted.additionalPromptContent = redactor.redactString(error.additionalPromptContent);
  }
  if (error.providerKind !== undefined) redacted.providerKind = redactor.redactString(error.providerKind);
  return redacted;
}
