// Shared queries and helpers for the dental classes.

export const PAGE_SIZE = 20;

export function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Patients the signed-in person can see, filtered by `show` (all, mine, shared) and searched on
// name, email and phone by the server.
export function patientQuery(search, show) {
  const me = Parse.User.current();
  const restrict = (query) => {
    if (show === 'mine') query.equalTo('owner', me);
    if (show === 'shared') query.notEqualTo('owner', me);
    return query;
  };
  const text = (search || '').trim().slice(0, 100);
  if (!text) return restrict(new Parse.Query('Patient'));
  const pattern = escapeRegex(text);
  const parts = ['name', 'email', 'phone'].map((key) => restrict(new Parse.Query('Patient').matches(key, pattern, 'i')));
  return Parse.Query.or(...parts);
}

export const STATUS_WORDS = {
  planned: 'Planned',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

// The moves the server's rules allow from each status (cloud_code/records.py).
export const MOVES = {
  planned: [['in_progress', 'Start treatment'], ['cancelled', 'Cancel plan']],
  in_progress: [['completed', 'Mark completed'], ['cancelled', 'Cancel plan']],
  completed: [],
  cancelled: [],
};
