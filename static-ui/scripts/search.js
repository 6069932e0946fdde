/*
 * The header's search box with suggestions as you type (an ARIA combobox).
 * Only the newest request may render: each gets a sequence number and starting
 * a new one aborts the previous call.
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});
  var h = function () {
    return Shop.dom.h.apply(null, arguments);
  };

  var DEBOUNCE_MS = 200;
  var LIMIT = 8;

  /** Mount on form.search. */
  function Search(form) {
    var input = form.querySelector('#search-input');
    var list = form.querySelector('#suggestions');
    var calls = Shop.xhr.scope();
    var seq = 0;
    var items = [];
    var active = -1;

    function close() {
      list.hidden = true;
      Shop.dom.replace(list, []);
      items = [];
      active = -1;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, i) {
        option.setAttribute('aria-selected', i === index ? 'true' : 'false');
      });
      if (index >= 0) {
        input.setAttribute('aria-activedescendant', 'suggestion-' + index);
        list.children[index].scrollIntoView({ block: 'nearest' });
      } else {
        input.removeAttribute('aria-activedescendant');
      }
    }

    function openGood(good) {
      close();
      window.location.hash = '#/goods/' + good.id;
    }

    function render(goods, query) {
      items = goods;
      active = -1;
      input.removeAttribute('aria-activedescendant');
      if (!goods.length) {
        Shop.dom.replace(list, [
          h('li', { class: 'suggestion-empty', role: 'option', 'aria-disabled': 'true', id: 'suggestion-none' },
            'No goods match “' + query + '”')
        ]);
        items = [];
      } else {
        Shop.dom.replace(
          list,
          goods.map(function (good, i) {
            return h(
              'li',
              {
                id: 'suggestion-' + i,
                class: 'suggestion',
                role: 'option',
                'aria-selected': 'false',
                'data-good-id': good.id,
                // mousedown would blur the input and close the list before the click lands
                onmousedown: function (event) {
                  event.preventDefault();
                },
                onclick: function () {
                  openGood(good);
                }
              },
              [h('span', { class: 'suggestion-name', text: good.name }), h('span', { class: 'price', text: Shop.dom.formatPrice(good.price) })]
            );
          })
        );
      }
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }

    var suggest = Shop.dom.debounce(function () {
      var query = input.value.trim();
      calls.abortAll();
      var mine = ++seq;
      if (!query) {
        close();
        return;
      }
      calls.get(Shop.xhr.url('/api/catalog/goods', { q: query, limit: LIMIT }), { quiet: true }).then(
        function (data) {
          if (mine === seq) {
            render(data.items || [], query);
          }
        },
        function (error) {
          if (mine === seq) {
            close();
            Shop.status.error(error);
          }
        }
      );
    }, DEBOUNCE_MS);

    input.addEventListener('input', function () {
      suggest();
    });

    input.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown' || event.key === 'Down') {
        event.preventDefault();
        if (list.hidden) {
          suggest();
        } else if (items.length) {
          highlight(active < items.length - 1 ? active + 1 : 0);
        }
      } else if (event.key === 'ArrowUp' || event.key === 'Up') {
        event.preventDefault();
        if (items.length) {
          highlight(active > 0 ? active - 1 : items.length - 1);
        }
      } else if (event.key === 'Escape' || event.key === 'Esc') {
        if (!list.hidden) {
          event.preventDefault();
          suggest.cancel();
          calls.abortAll();
          seq++;
          close();
        }
      }
    });

    input.addEventListener('blur', function () {
      suggest.cancel();
      calls.abortAll();
      seq++;
      close();
    });

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      suggest.cancel();
      calls.abortAll();
      seq++;
      if (active >= 0 && items[active]) {
        openGood(items[active]);
        return;
      }
      close();
      window.location.hash = Shop.xhr.url('#/search', { q: input.value.trim() });
    });

    /** Keep the box in step with the results page (e.g. after Back). */
    return {
      setQuery: function (q) {
        if (document.activeElement !== input) {
          input.value = q || '';
        }
      }
    };
  }

  Shop.Search = Search;
})(window);
