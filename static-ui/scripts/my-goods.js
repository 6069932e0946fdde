/*
 * My goods: the signed-in user's goods with a filter, paging and a remove
 * button per row, plus the recently viewed goods kept in the session.
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});
  Shop.screens = Shop.screens || {};
  var h = function () {
    return Shop.dom.h.apply(null, arguments);
  };

  var DEBOUNCE_MS = 250;
  var MY_GOODS = '/api/catalog/me/goods';

  /** Mount on section.my-goods. */
  function MyGoods(el, params, calls) {
    var cursor = null;
    var seq = 0;
    var listing = null;

    var filter = h('input', { id: 'my-goods-filter', type: 'search', name: 'q', autocomplete: 'off', maxlength: 200 });
    var list = h('ul', { id: 'my-goods-list', class: 'good-list' });
    var empty = h('p', { id: 'my-goods-empty', class: 'empty', hidden: true });
    var more = h('button', { type: 'button', id: 'my-goods-more', class: 'more', hidden: true }, 'More');
    var recent = h('ul', { id: 'recent-goods', class: 'recent-goods' });
    var recentEmpty = h('p', { id: 'recent-goods-empty', class: 'empty', hidden: true }, 'You have not looked at any goods yet.');

    Shop.dom.replace(el, [
      h('div', { class: 'heading-row' }, [
        h('h1', {}, 'My goods'),
        h('a', { href: '#/new-good', id: 'new-good-link', class: 'button' }, 'Create a good')
      ]),
      h('div', { class: 'field filter' }, [h('label', { for: 'my-goods-filter' }, 'Filter my goods'), filter]),
      list,
      empty,
      more,
      h('section', { class: 'recent', 'aria-labelledby': 'recent-heading' }, [
        h('h2', { id: 'recent-heading' }, 'Recently viewed'),
        recent,
        recentEmpty
      ])
    ]);

    function row(good) {
      var remove = h('button', { type: 'button', class: 'remove', 'data-testid': 'remove-good-' + good.id, 'aria-label': 'Remove ' + good.name + ' from my goods' }, 'Remove');
      var li = h('li', { class: 'good-row', 'data-good-id': good.id }, [
        h('a', { href: '#/goods/' + good.id, class: 'good-link', text: good.name }),
        h('span', { class: 'price', text: Shop.dom.formatPrice(good.price) }),
        remove
      ]);
      remove.addEventListener('click', function () {
        Shop.dom.setBusy(remove, true);
        calls.del(MY_GOODS + '/' + good.id).then(
          function () {
            // move focus somewhere sensible before the row (and its button) disappears
            var next = li.nextElementSibling || li.previousElementSibling;
            list.removeChild(li);
            updateEmpty();
            (next ? next.querySelector('.remove') : filter).focus();
            Shop.status.show('Removed “' + good.name + '” from your goods.', 'success');
          },
          function (error) {
            Shop.dom.setBusy(remove, false);
            Shop.status.error(error);
          }
        );
      });
      return li;
    }

    function updateEmpty() {
      var q = filter.value.trim();
      empty.textContent = q ? 'None of your goods match “' + q + '”.' : 'You have no goods yet. Find one with the search box, or create one.';
      empty.hidden = list.children.length > 0 || more.hidden === false;
    }

    /** Load a page; reset starts over (new filter). Only the newest answer renders. */
    function load(reset) {
      var mine = ++seq;
      if (listing) {
        listing.abort();
      }
      Shop.dom.setBusy(more, true);
      listing = calls.get(Shop.xhr.url(MY_GOODS, { q: filter.value.trim(), cursor: reset ? null : cursor }));
      listing.then(
        function (data) {
          if (mine !== seq) {
            return;
          }
          Shop.dom.setBusy(more, false);
          var rows = (data.items || []).map(row);
          if (reset) {
            Shop.dom.replace(list, rows);
          } else {
            rows.forEach(function (r) {
              list.appendChild(r);
            });
          }
          cursor = data.next_cursor || null;
          more.hidden = !cursor;
          updateEmpty();
        },
        function (error) {
          if (mine === seq) {
            Shop.dom.setBusy(more, false);
            Shop.status.error(error);
          }
        }
      );
    }

    function loadRecent() {
      calls.get('/api/session/data', { quiet: true }).then(
        function (data) {
          var items = Shop.recentGoods(data);
          Shop.dom.replace(
            recent,
            items.map(function (item) {
              return h('li', { 'data-good-id': item.id }, h('a', { href: '#/goods/' + item.id, text: item.name }));
            })
          );
          recentEmpty.hidden = items.length > 0;
        },
        function (error) {
          recentEmpty.hidden = false;
          Shop.status.error(error);
        }
      );
    }

    filter.addEventListener('input', Shop.dom.debounce(function () {
      load(true);
    }, DEBOUNCE_MS));
    more.addEventListener('click', function () {
      load(false);
    });

    load(true);
    loadRecent();
  }

  Shop.screens['my-goods'] = { title: 'My goods', mount: MyGoods, signedIn: true };
})(window);
