/**
 * The roles of an organization's members (PRODUCT.md, "Who uses it").
 */

export const roles = [
  'patient',
  'proxy',
  'referring_physician',
  'coordinator',
  'specialist',
  'care_team',
  'org_admin',
] as const;

export type Role = (typeof roles)[number];

/** Staff roles work on other people's cases and must use multi-factor authentication. */
export const staffRoles = ['coordinator', 'specialist', 'care_team', 'org_admin'] as const;

export type StaffRole = (typeof staffRoles)[number];

/** Whether the role belongs to the organization's staff. */
export function isStaffRole(role: Role): role is StaffRole {
  return (staffRoles as readonly Role[]).includes(role);
}

/** Whether members with this role must enrol a second factor before doing anything else. */
export function isMfaMandatory(role: Role): boolean {
  return isStaffRole(role);
}

/**
 * Roles an org admin may invite by email. Patients sign up themselves or are invited by their
 * referring physician; a proxy is invited by the patient they act for, never by the organization.
 */
export const invitableRoles = [
  'referring_physician',
  'coordinator',
  'specialist',
  'care_team',
  'org_admin',
] as const satisfies readonly Role[];

export type InvitableRole = (typeof invitableRoles)[number];
