/*
 * The home page and full search results: a list of goods, paged with "More".
 */

import { formatPrice, h, replace } from './dom.js';
import { pagedList } from './paged-list.js';
import * as xhr from './xhr.js';

export const title = 'Goods';

/** One row linking to a good's page; `extra` (e.g. a remove button) goes at the end. */
export function goodRow(good, extra) {
  return h('li', { class: 'good-row', 'data-good-id': good.id }, [
    h('a', { href: '#/goods/' + good.id, class: 'good-link', text: good.name }),
    h('span', { class: 'price', text: formatPrice(good.price) }),
    extra
  ]);
}

/** Mount on section.goods; params.q is the search text ('' lists every good). */
export function mount(el, params, calls) {
  const q = (params.q || '').trim();
  const list = h('ul', { id: 'goods-list', class: 'good-list', 'aria-live': 'polite' });
  const empty = h('p', { id: 'goods-empty', class: 'empty', hidden: true }, q ? 'No goods match “' + q + '”.' : 'No goods yet.');
  const more = h('button', { type: 'button', id: 'goods-more', class: 'more', hidden: true }, 'More');

  replace(el, [h('h1', { id: 'goods-heading' }, q ? 'Goods matching “' + q + '”' : 'All goods'), list, empty, more]);

  pagedList({
    calls: calls,
    list: list,
    more: more,
    empty: empty,
    url: (cursor) => xhr.url('/api/catalog/goods', { q: q, cursor: cursor }),
    row: goodRow
  }).load(true);
}
