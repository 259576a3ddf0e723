import { InvalidMessageError } from './errors.js';

/**
 * Rejects messages providers would refuse or split. The limit counts Unicode
 * code points, what a person sees as characters, not UTF-16 units.
 */
export function checkMessage(message: string, maxLength: number): void {
  if (typeof message !== 'string' || message.trim() === '') {
    throw new InvalidMessageError('Message is empty');
  }
  const length = [...message].length;
  if (length > maxLength) {
    throw new InvalidMessageError(
      `Message is too long: ${length} characters, at most ${maxLength} allowed`,
    );
  }
}
