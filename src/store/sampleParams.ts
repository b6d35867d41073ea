// The limits of a text-sample request (Samples tab) and their checks, shared by the panel (which
// shows a refusal next to its control) and the store's `requestSample` (which refuses to send).
// The messages are the ones `requestSample` returns.

export const SAMPLE_LIMITS = {
  maxPromptLength: 1000, // characters (UTF-16 units, as a textarea's maxLength)
  maxTokens: 1000, // tokens generated per run
  maxTemperature: 5, // softmax temperature, > 0
} as const;

export function checkSamplePrompt(prompt: string): string | null {
  if (prompt.length === 0) return 'the prompt is empty';
  if (prompt.length > SAMPLE_LIMITS.maxPromptLength) return `the prompt is longer than ${SAMPLE_LIMITS.maxPromptLength} characters`;
  return null;
}

export function checkSampleLength(maxTokens: number): string | null {
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > SAMPLE_LIMITS.maxTokens) return `length must be an integer from 1 to ${SAMPLE_LIMITS.maxTokens}`;
  return null;
}

export function checkSampleTemperature(temperature: number): string | null {
  if (!(temperature > 0 && temperature <= SAMPLE_LIMITS.maxTemperature)) return `temperature must be > 0 and ≤ ${SAMPLE_LIMITS.maxTemperature}`;
  return null;
}
