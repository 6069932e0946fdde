/*
 * Who is signed in. Keeps the current user in memory and tells listeners when
 * it changes (sign in, sign out, or a session found ended by refresh()).
 */

import * as xhr from './xhr.js';

const SESSION = '/api/session/';

let user = null;
let known = false;
const listeners = [];

function setUser(next) {
  const changed = !known || (user && user.id) !== (next && next.id);
  user = next;
  known = true;
  if (changed) {
    listeners.forEach((listener) => listener(user));
  }
}

/** The signed-in user, or null. */
export function current() {
  return user;
}

/**
 * Ask the session service who we are; resolves with the user or null. /visitor answers
 * 200 either way (the browser would log /me's 401 as an error) and carries the session's
 * CSRF token when there is a session, which xhr.js keeps.
 */
export function refresh() {
  return xhr.get(SESSION + 'visitor').then(
    (data) => {
      setUser(data.user || null);
      return user;
    },
    (error) => {
      known = true;
      throw error;
    }
  );
}

/** Sign in; the answer also carries the CSRF token, which xhr.js keeps. */
export function signIn(username, password, remember) {
  return xhr
    .post(SESSION + 'login', { username: username, password: password, remember: Boolean(remember) })
    .then((data) => {
      setUser(data.user);
      return user;
    });
}

export function signOut() {
  return xhr.post(SESSION + 'logout').then(() => {
    // the token died with the session; the next unsafe call fetches a new one (and only then
    // creates a session), so a visitor who signs out and leaves costs nothing
    xhr.setCsrfToken(null);
    setUser(null);
  });
}

/** listener(user) is called with the new user (or null) whenever it changes. */
export function onChange(listener) {
  listeners.push(listener);
}
