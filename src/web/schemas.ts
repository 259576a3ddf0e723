// Schema pieces every feature's routes share. Each route still lists its own
// fields with additionalProperties: false: the schema is its allow-list.
import { Type } from '@fastify/type-provider-typebox';

export const RowId = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const PageNumber = Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 }));
/** The form field holding the CSRF token (the header form is checked by the CSRF hook). */
export const CsrfField = Type.Optional(Type.String({ maxLength: 200 }));

export const IdParams = Type.Object({ id: RowId }, { additionalProperties: false });
export const PageQuery = Type.Object({ page: PageNumber }, { additionalProperties: false });
/** The body of a button that only acts (delete, log out, sign out others). */
export const CsrfOnlyBody = Type.Object({ _csrf: CsrfField }, { additionalProperties: false });
