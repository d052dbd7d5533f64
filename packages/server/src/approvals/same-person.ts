import type { Actor } from '../policy/decide.js';
import type { Party } from './approval-record.js';

/** How a caller is recorded as requester or decider. */
export function partyOf(actor: Actor): Party {
  return actor.kind === 'bootstrap'
    ? { type: 'bootstrap', id: null, tokenId: null, label: 'admin token' }
    : { type: 'member', id: actor.member.id, tokenId: actor.token.id, label: actor.member.email };
}

/**
 * Why `approver` counts as the person who made the request, or null when they are someone else.
 * A member is one person whichever of their tokens they present. The admin token is the owners'
 * bootstrap credential: whoever holds it may be any owner, so a request it made is approved by a
 * member who is not an owner, and never by the admin token itself.
 */
export function samePerson(requester: Party, approver: Actor): string | null {
  if (requester.type === 'system') return null;
  if (requester.type === 'bootstrap') {
    if (approver.kind === 'bootstrap') return 'the admin token made this request, and cannot approve it';
    if (approver.member.role === 'owner') {
      return 'the admin token made this request, and any owner may hold it: a member who is not an owner (an admin) approves it';
    }
    return null;
  }
  if (approver.kind === 'member' && approver.member.id === requester.id) {
    return `${requester.label} made this request, and cannot approve it (with this token or any other): another member approves it`;
  }
  return null;
}
