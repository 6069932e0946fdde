/*
 * The header's navigation: shows the signed-in user or the sign-in links, and
 * the sign out button.
 */

import { setBusy } from './dom.js';
import * as session from './session.js';
import * as status from './status.js';

/** Mount on .site-nav. */
export function mountSiteNav(el) {
  const currentUser = el.querySelector('#current-user');
  const signOut = el.querySelector('#sign-out');

  function update(user) {
    el.querySelectorAll('[data-when]').forEach((item) => {
      item.hidden = item.getAttribute('data-when') === 'signed-in' ? !user : Boolean(user);
    });
    currentUser.textContent = user ? 'Signed in as ' + user.username : '';
  }

  signOut.addEventListener('click', () => {
    setBusy(signOut, true);
    session.signOut().then(
      () => {
        setBusy(signOut, false);
        status.show('You are signed out.', 'success');
      },
      (error) => {
        setBusy(signOut, false);
        status.error(error);
      }
    );
  });

  session.onChange(update);
  update(session.current());
}
