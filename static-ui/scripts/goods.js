/*
 * The home page and full search results: a list of goods, paged with "More".
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});
  Shop.screens = Shop.screens || {};
  var h = function () {
    return Shop.dom.h.apply(null, arguments);
  };

  /** One row linking to a good's page. */
  function goodRow(good) {
    return h('li', { class: 'good-row', 'data-good-id': good.id }, [
      h('a', { href: '#/goods/' + good.id, class: 'good-link', text: good.name }),
      h('span', { class: 'price', text: Shop.dom.formatPrice(good.price) })
    ]);
  }

  /** Mount on section.goods; params.q is the search text ('' lists every good). */
  function Goods(el, params, calls) {
    var q = (params.q || '').trim();
    var cursor = null;
    var list = h('ul', { id: 'goods-list', class: 'good-list', 'aria-live': 'polite' });
    var empty = h('p', { id: 'goods-empty', class: 'empty', hidden: true }, q ? 'No goods match “' + q + '”.' : 'No goods yet.');
    var more = h('button', { type: 'button', id: 'goods-more', class: 'more', hidden: true, onclick: load }, 'More');

    Shop.dom.replace(el, [
      h('h1', { id: 'goods-heading' }, q ? 'Goods matching “' + q + '”' : 'All goods'),
      list,
      empty,
      more
    ]);

    function load() {
      Shop.dom.setBusy(more, true);
      calls.get(Shop.xhr.url('/api/catalog/goods', { q: q, cursor: cursor })).then(
        function (data) {
          Shop.dom.setBusy(more, false);
          (data.items || []).forEach(function (good) {
            list.appendChild(goodRow(good));
          });
          cursor = data.next_cursor || null;
          more.hidden = !cursor;
          empty.hidden = list.children.length > 0;
        },
        function (error) {
          Shop.dom.setBusy(more, false);
          Shop.status.error(error);
        }
      );
    }

    load();
  }

  Shop.screens.goods = { title: 'Goods', mount: Goods };
  Shop.goodRow = goodRow;
})(window);
