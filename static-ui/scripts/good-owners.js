/*
 * The owners part of a good's page: how many people have the good and who they
 * are, a page at a time.
 */

import { h } from './dom.js';
import { pagedList } from './paged-list.js';
import * as xhr from './xhr.js';

/** Build the part for good `id`; returns {el, setCount(count), reload()}. */
export function goodOwners(id, calls) {
  const count = h('p', { id: 'owners-count', class: 'owners-count' });
  const list = h('ul', { id: 'owners', class: 'owners' });
  const empty = h('p', { id: 'owners-empty', class: 'empty', hidden: true }, 'Nobody has this good yet.');
  const more = h('button', { type: 'button', id: 'owners-more', class: 'more', hidden: true }, 'More owners');
  const el = h('section', { class: 'good-owners', id: 'good-owners', 'aria-labelledby': 'owners-heading', 'aria-live': 'polite' }, [
    h('h2', { id: 'owners-heading' }, 'Who has it'),
    count,
    list,
    empty,
    more
  ]);

  const owners = pagedList({
    calls: calls,
    list: list,
    more: more,
    empty: empty,
    url: (cursor) => xhr.url('/api/catalog/goods/' + id + '/users', { cursor: cursor }),
    row: (user) => h('li', { 'data-user-id': user.id, text: user.username })
  });

  function setCount(n) {
    count.textContent = n === 1 ? '1 person has this good.' : n + ' people have this good.';
    count.setAttribute('data-count', n);
  }

  return { el: el, setCount: setCount, reload: () => owners.load(true) };
}
