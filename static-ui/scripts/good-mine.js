/*
 * The "mine" toggle on a good's page: whether the signed-in user has the good,
 * and a button that adds or removes it. Signed out, a sign-in hint instead.
 */

import { h, setBusy } from './dom.js';
import * as session from './session.js';
import * as status from './status.js';
import * as xhr from './xhr.js';

/**
 * Build the toggle for `good`; returns {el, check()}. check() asks the catalog
 * again (on mount and after a sign in). onChanged(answer) gets the catalog's answer
 * to an add or remove, which carries the good's new owners_count.
 */
export function mineToggle(good, calls, onChanged) {
  const url = '/api/catalog/me/goods/' + good.id;
  let mine = null; // unknown until check() answers, or signed out
  const button = h('button', { type: 'button', id: 'toggle-mine', hidden: true });
  const hint = h('p', { id: 'toggle-signin', class: 'hint', hidden: true }, [
    h('a', { href: xhr.url('#/signin', { next: '#/goods/' + good.id }) }, 'Sign in'),
    ' to add this good to your goods.'
  ]);

  function render() {
    const user = session.current();
    hint.hidden = Boolean(user);
    button.hidden = !user || mine === null;
    button.textContent = mine ? 'Remove from my goods' : 'Add to my goods';
    button.setAttribute('aria-pressed', mine ? 'true' : 'false');
    button.setAttribute('data-mine', mine ? 'true' : 'false');
  }

  /** Is the good the signed-in user's? GET /me/goods/<id> answers 200 (yes) or 404 (no). */
  function check() {
    mine = null;
    render();
    if (!session.current()) {
      return;
    }
    calls.get(url).then(
      () => {
        mine = true;
        render();
      },
      (error) => {
        mine = error.status === 404 ? false : null;
        render();
        if (mine === null) {
          status.error(error);
        }
      }
    );
  }

  button.addEventListener('click', () => {
    const adding = !mine;
    setBusy(button, true);
    (adding ? calls.put(url) : calls.del(url)).then(
      (answer) => {
        mine = adding;
        setBusy(button, false);
        render();
        status.show(adding ? 'Added “' + good.name + '” to your goods.' : 'Removed “' + good.name + '” from your goods.', 'success');
        onChanged(answer);
      },
      (error) => {
        setBusy(button, false);
        status.error(error);
        if (error.status === 401) {
          session.refresh().catch(() => {}); // signed out elsewhere: the router follows
        }
      }
    );
  });

  return { el: h('div', { class: 'actions' }, [button, hint]), check: check };
}
