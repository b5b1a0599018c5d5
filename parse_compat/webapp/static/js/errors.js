// Server errors in plain words. Cloud-code validation messages are already written for people.

const WORDS = {
  100: 'The server cannot be reached. Check the connection and try again.',
  101: 'This record was not found, or you do not have access to it.',
  119: 'You are not allowed to do that.',
  130: 'This file cannot be uploaded.',
  155: 'Too many requests at once. Wait a moment and try again.',
  202: 'That username is already taken.',
  203: 'That email address is already in use.',
  209: 'Your session has ended. Please sign in again.',
};

export function plainError(error) {
  if (!error) return 'Something went wrong.';
  const code = error.code;
  if (code === 101 && /username\/password/i.test(error.message || '')) {
    return 'The username or password is not right.';
  }
  if (code === 142 || code === 141 || code === 137 || code === 125 || code === 203 || code === 202) {
    return error.message || WORDS[code] || 'The server refused this change.';
  }
  if (WORDS[code]) return WORDS[code];
  return error.message || 'Something went wrong.';
}

export function isSessionEnded(error) {
  return !!error && error.code === 209;
}
