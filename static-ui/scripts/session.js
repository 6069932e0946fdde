/*
 * Who is signed in. Keeps the current user in memory and tells listeners when
 * it changes (sign in, sign out, or a 401 discovered by /me).
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});
  var SESSION = '/api/session/';

  var user = null;
  var known = false;
  var listeners = [];

  function setUser(next) {
    var changed = !known || (user && user.id) !== (next && next.id);
    user = next;
    known = true;
    if (changed) {
      listeners.forEach(function (listener) {
        listener(user);
      });
    }
  }

  /** Ask the session service who we are; resolves with the user or null. */
  function refresh() {
    return Shop.xhr.get(SESSION + 'me').then(
      function (data) {
        setUser(data.user);
        return user;
      },
      function (error) {
        if (error.status === 401) {
          setUser(null);
          return null;
        }
        known = true;
        throw error;
      }
    );
  }

  /** Sign in; the answer also carries the CSRF token, which xhr.js keeps. */
  function signIn(username, password, remember) {
    return Shop.xhr
      .post(SESSION + 'login', { username: username, password: password, remember: !!remember })
      .then(function (data) {
        setUser(data.user);
        return user;
      });
  }

  function signOut() {
    return Shop.xhr.post(SESSION + 'logout').then(function () {
      // the old token belonged to the old session; fetch the new one in the background
      Shop.xhr.refreshCsrf().catch(function () {
        Shop.xhr.setCsrfToken(null);
      });
      setUser(null);
    });
  }

  Shop.session = {
    user: function () {
      return user;
    },
    isKnown: function () {
      return known;
    },
    refresh: refresh,
    signIn: signIn,
    signOut: signOut,
    onChange: function (listener) {
      listeners.push(listener);
    }
  };
})(window);
