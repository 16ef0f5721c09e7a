import type { GuestRoot } from './guest-path.ts';

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** The guest's users by name, from its own /etc/passwd (never the helper's). */
export async function readGuestUsers(guest: GuestRoot): Promise<Map<string, PasswdEntry>> {
  const users = new Map<string, PasswdEntry>();
  for (const fields of colonRecords((await guest.readText('/etc/passwd')) ?? '')) {
    const [name, , uid, gid, , home] = fields;
    if (!name || !isId(uid) || !isId(gid)) continue;
    if (!users.has(name)) users.set(name, { name, uid: Number(uid), gid: Number(gid), home: home ?? '/' });
  }
  return users;
}

/** The guest's group ids by name, from its own /etc/group. */
export async function readGuestGroups(guest: GuestRoot): Promise<Map<string, number>> {
  const groups = new Map<string, number>();
  for (const [name, , gid] of colonRecords((await guest.readText('/etc/group')) ?? '')) {
    if (name && isId(gid) && !groups.has(name)) groups.set(name, Number(gid));
  }
  return groups;
}

function colonRecords(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

function isId(value: string | undefined): value is string {
  return value !== undefined && /^\d+$/.test(value);
}
