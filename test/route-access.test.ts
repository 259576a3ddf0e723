// The seed's warning about the forgotten decorator: a route without a
// declared access rule fails here, before it can ship.
import { describe, expect, it } from 'vitest';
import { PERMISSIONS, isPermission } from '../src/access/permissions.js';
import { useTestApp } from './support/app.js';

const RULES = new Set(['open', 'public', 'signed-in']);

describe('route access', () => {
  const t = useTestApp();

  it('is declared by every registered route', () => {
    const { routes } = t();
    expect(routes.length).toBeGreaterThan(20);
    const undeclared = routes.filter((r) => r.config.access === undefined).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
    const unknown = routes.filter((r) => !RULES.has(r.config.access!) && !isPermission(r.config.access!)).map((r) => `${r.method} ${r.url}: ${r.config.access}`);
    expect(unknown).toEqual([]);
  });

  it('names permissions the database holds, and the database holds no others', async () => {
    const rows = await t().db.kysely.selectFrom('permissions').select('codename').execute();
    expect(rows.map((r) => r.codename).sort()).toEqual([...PERMISSIONS].sort());
  });
});
