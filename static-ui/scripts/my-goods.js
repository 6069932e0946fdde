/*
 * My goods: the signed-in user's goods with a filter, paging and a remove
 * button per row, plus the recently viewed goods kept in the session.
 */

import { debounce, h, replace, setBusy } from './dom.js';
import { goodRow } from './goods.js';
import { pagedList } from './paged-list.js';
import * as recentGoods from './recent-goods.js';
import * as status from './status.js';
import * as xhr from './xhr.js';

const DEBOUNCE_MS = 250;
const MY_GOODS = '/api/catalog/me/goods';

export const title = 'My goods';
export const signedIn = true;

/** Mount on section.my-goods. */
export function mount(el, params, calls) {
  const filter = h('input', { id: 'my-goods-filter', type: 'search', name: 'q', autocomplete: 'off', maxlength: 200 });
  const list = h('ul', { id: 'my-goods-list', class: 'good-list' });
  const empty = h('p', { id: 'my-goods-empty', class: 'empty', hidden: true });
  const more = h('button', { type: 'button', id: 'my-goods-more', class: 'more', hidden: true }, 'More');
  const recent = h('ul', { id: 'recent-goods', class: 'recent-goods' });
  const recentEmpty = h('p', { id: 'recent-goods-empty', class: 'empty', hidden: true }, 'You have not looked at any goods yet.');

  replace(el, [
    h('div', { class: 'heading-row' }, [
      h('h1', {}, 'My goods'),
      h('a', { href: '#/new-good', id: 'new-good-link', class: 'button' }, 'Create a good')
    ]),
    h('div', { class: 'field filter' }, [h('label', { for: 'my-goods-filter' }, 'Filter my goods'), filter]),
    list,
    empty,
    more,
    h('section', { class: 'recent', 'aria-labelledby': 'recent-heading' }, [h('h2', { id: 'recent-heading' }, 'Recently viewed'), recent, recentEmpty])
  ]);

  const goods = pagedList({
    calls: calls,
    list: list,
    more: more,
    empty: empty,
    url: (cursor) => xhr.url(MY_GOODS, { q: filter.value.trim(), cursor: cursor }),
    row: row,
    emptyText: () => {
      const q = filter.value.trim();
      return q ? 'None of your goods match “' + q + '”.' : 'You have no goods yet. Find one with the search box, or create one.';
    }
  });

  function row(good) {
    const remove = h('button', { type: 'button', class: 'remove', 'data-testid': 'remove-good-' + good.id, 'aria-label': 'Remove ' + good.name + ' from my goods' }, 'Remove');
    const li = goodRow(good, remove);
    remove.addEventListener('click', () => {
      setBusy(remove, true);
      calls.del(MY_GOODS + '/' + good.id).then(
        () => {
          // move focus somewhere sensible before the row (and its button) disappears
          const next = li.nextElementSibling || li.previousElementSibling;
          list.removeChild(li);
          goods.updateEmpty();
          (next ? next.querySelector('.remove') : filter).focus();
          status.show('Removed “' + good.name + '” from your goods.', 'success');
        },
        (error) => {
          setBusy(remove, false);
          status.error(error);
        }
      );
    });
    return li;
  }

  function showRecent(items) {
    replace(
      recent,
      items.map((item) => h('li', { 'data-good-id': item.id }, h('a', { href: '#/goods/' + item.id, text: item.name })))
    );
    recentEmpty.hidden = items.length > 0;
  }

  filter.addEventListener('input', debounce(() => goods.load(true), DEBOUNCE_MS));
  goods.load(true);
  recentGoods.load(calls).then(showRecent, (error) => {
    recentEmpty.hidden = false;
    status.error(error);
  });
}
