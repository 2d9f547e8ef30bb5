/**
 * Roles are nested: `admin` can do everything `write` can, and `write` everything `predict` can, so a
 * key needs exactly one role and a request needs only the least one that allows it.
 */
export const roles = ["predict", "write", "admin"] as const;
export type Role = (typeof roles)[number];

export function isRole(s: string): s is Role {
  return (roles as readonly string[]).includes(s);
}

export function allows(held: Role, needed: Role): boolean {
  return roles.indexOf(held) >= roles.indexOf(needed);
}
