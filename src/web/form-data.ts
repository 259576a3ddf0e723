// multipart/form-data for routes that take a few short text fields from
// programs other than our pages: RFC 8058 asks mail programs to send their
// one-click unsubscribe that way. Files are refused, never stored.
import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { FastifyInstance } from 'fastify';
import { refusal } from '../errors.js';

const FIELDS = 10;
const FIELD_BYTES = 1024;

const badRequest = (message: string) => refusal(400, message);

/**
 * Parses multipart/form-data bodies of the routes in `app`'s scope (up to
 * `bodyLimit` bytes) into the same shape @fastify/formbody gives: a string
 * per field, an array for a repeated one. A file, too many fields, a field
 * too long or a malformed body is a 400.
 */
export function acceptTextFormData(app: FastifyInstance, { bodyLimit }: { bodyLimit: number }): void {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    let parser: BusboyInstance;
    try {
      parser = new Busboy({ headers: request.headers as BusboyHeaders, limits: { files: 0, fields: FIELDS, parts: FIELDS, fieldSize: FIELD_BYTES } });
    } catch {
      done(badRequest('The form data is malformed (its boundary is missing).'));
      return;
    }
    const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    let problem: string | undefined;
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) problem = `The field “${name}” is too long.`;
      const earlier = fields[name];
      fields[name] = earlier === undefined ? value : [earlier, value].flat();
    });
    parser.on('filesLimit', () => (problem = 'Files are not accepted here.'));
    parser.on('fieldsLimit', () => (problem = 'The form has too many fields.'));
    parser.on('partsLimit', () => (problem = 'The form has too many fields.'));
    // A malformed body can end in 'error' after 'finish' has been emitted, or the other way round: answer once.
    let answered = false;
    const answer = (error: Error | null) => {
      if (answered) return;
      answered = true;
      if (error) done(error);
      else done(null, fields);
    };
    parser.on('error', () => answer(badRequest('The form data is malformed.')));
    parser.on('finish', () => answer(problem ? badRequest(problem) : null));
    parser.end(body);
  });
}
