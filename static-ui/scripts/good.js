/*
 * A good's page: details, who has it (paged), and an add/remove button that
 * refreshes only the owners part and itself. Viewing a good records it in the
 * session's "recently viewed" list.
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});
  Shop.screens = Shop.screens || {};
  var h = function () {
    return Shop.dom.h.apply(null, arguments);
  };

  var CATALOG = '/api/catalog/';
  var SESSION_DATA = '/api/session/data';
  var RECENT_URL = SESSION_DATA + '/recent_goods';
  var RECENT_MAX = 8;
  var MINE_PAGES = 5;

  /** The recently viewed list out of a GET data answer: [{id, name}, ...]. */
  function recentFrom(answer) {
    var value = answer && answer.data && answer.data.recent_goods;
    return Array.isArray(value) ? value : [];
  }

  /** Put good first in the recently viewed list: newest first, no duplicates, at most 8. */
  function remember(good) {
    // GET data answers 200 even before the key exists (GET data/<key> would 404)
    Shop.xhr
      .get(SESSION_DATA, { quiet: true })
      .then(function (data) {
        var list = recentFrom(data);
        var next = [{ id: good.id, name: good.name }].concat(
          list.filter(function (item) {
            return item && item.id !== good.id;
          })
        );
        return Shop.xhr.put(RECENT_URL, { value: next.slice(0, RECENT_MAX) }, { quiet: true });
      })
      .catch(function () {
        // the history is a nicety; a failure here must not disturb the page
      });
  }

  /** Mount on section.good; params.id is the good's id. */
  function Good(el, params, calls) {
    var id = params.id;
    var good = null;
    var mine = null;
    var ownersCursor = null;

    var details = h('div', { class: 'good-details', id: 'good-details' });
    var ownersCount = h('p', { id: 'owners-count', class: 'owners-count' });
    var owners = h('ul', { id: 'owners', class: 'owners' });
    var ownersEmpty = h('p', { id: 'owners-empty', class: 'empty', hidden: true }, 'Nobody has this good yet.');
    var ownersMore = h('button', { type: 'button', id: 'owners-more', class: 'more', hidden: true }, 'More owners');
    var toggle = h('button', { type: 'button', id: 'toggle-mine', hidden: true });
    var signinHint = h('p', { id: 'toggle-signin', class: 'hint', hidden: true }, [
      h('a', { href: Shop.xhr.url('#/signin', { next: '#/goods/' + id }) }, 'Sign in'),
      ' to add this good to your goods.'
    ]);
    var ownersSection = h('section', { class: 'good-owners', id: 'good-owners', 'aria-labelledby': 'owners-heading', 'aria-live': 'polite' }, [
      h('h2', { id: 'owners-heading' }, 'Who has it'),
      ownersCount,
      owners,
      ownersEmpty,
      ownersMore
    ]);

    Shop.dom.replace(el, [details, h('div', { class: 'actions' }, [toggle, signinHint]), ownersSection]);

    function renderDetails() {
      Shop.dom.replace(details, [
        h('h1', { id: 'good-name', text: good.name }),
        h('p', { class: 'price', id: 'good-price', text: Shop.dom.formatPrice(good.price) }),
        h('p', { id: 'good-description', class: good.description ? 'description' : 'description empty', text: good.description || 'No description.' })
      ]);
      document.title = good.name + ' – Shop';
    }

    function renderCount(count) {
      ownersCount.textContent = count === 1 ? '1 person has this good.' : count + ' people have this good.';
      ownersCount.setAttribute('data-count', count);
    }

    function renderToggle() {
      var user = Shop.session.user();
      signinHint.hidden = !!user;
      toggle.hidden = !user || mine === null;
      toggle.textContent = mine ? 'Remove from my goods' : 'Add to my goods';
      toggle.setAttribute('aria-pressed', mine ? 'true' : 'false');
      toggle.setAttribute('data-mine', mine ? 'true' : 'false');
    }

    /** Load one page of owners; reset starts from the first page. */
    function loadOwners(reset) {
      Shop.dom.setBusy(ownersMore, true);
      return calls.get(Shop.xhr.url(CATALOG + 'goods/' + id + '/users', { cursor: reset ? null : ownersCursor })).then(
        function (data) {
          Shop.dom.setBusy(ownersMore, false);
          var rows = (data.items || []).map(function (user) {
            return h('li', { 'data-user-id': user.id, text: user.username });
          });
          if (reset) {
            Shop.dom.replace(owners, rows);
          } else {
            rows.forEach(function (row) {
              owners.appendChild(row);
            });
          }
          ownersCursor = data.next_cursor || null;
          ownersMore.hidden = !ownersCursor;
          ownersEmpty.hidden = owners.children.length > 0;
          return data;
        },
        function (error) {
          Shop.dom.setBusy(ownersMore, false);
          Shop.status.error(error);
        }
      );
    }

    /** Refresh the owners part only: the count and the first page of owners. */
    function refreshOwners() {
      calls.get(CATALOG + 'goods/' + id, { quiet: true }).then(function (data) {
        renderCount(data.owners_count);
      }, Shop.status.error);
      return loadOwners(true);
    }

    /** Is the good among the signed-in user's goods? Looks it up by name, a few pages at most. */
    function findMine(cursor, pages) {
      return calls.get(Shop.xhr.url(CATALOG + 'me/goods', { q: good.name, cursor: cursor })).then(function (data) {
        var found = (data.items || []).some(function (item) {
          return String(item.id) === String(id);
        });
        if (found || !data.next_cursor || pages <= 1) {
          return found;
        }
        return findMine(data.next_cursor, pages - 1);
      });
    }

    function loadMine() {
      if (!Shop.session.user()) {
        mine = null;
        renderToggle();
        return;
      }
      findMine(null, MINE_PAGES).then(
        function (found) {
          mine = found;
          renderToggle();
        },
        function (error) {
          mine = null;
          renderToggle();
          Shop.status.error(error);
        }
      );
    }

    ownersMore.addEventListener('click', function () {
      loadOwners(false);
    });

    toggle.addEventListener('click', function () {
      var adding = !mine;
      var url = CATALOG + 'me/goods/' + id;
      Shop.dom.setBusy(toggle, true);
      (adding ? calls.put(url) : calls.del(url)).then(
        function () {
          mine = adding;
          Shop.dom.setBusy(toggle, false);
          renderToggle();
          Shop.status.show(adding ? 'Added “' + good.name + '” to your goods.' : 'Removed “' + good.name + '” from your goods.', 'success');
          refreshOwners();
        },
        function (error) {
          Shop.dom.setBusy(toggle, false);
          Shop.status.error(error);
          if (error.status === 401) {
            Shop.session.refresh().catch(function () {});
          }
        }
      );
    });

    calls.get(CATALOG + 'goods/' + id).then(
      function (data) {
        good = data;
        renderDetails();
        renderCount(good.owners_count);
        loadOwners(true);
        loadMine();
        remember(good);
      },
      function (error) {
        Shop.dom.replace(el, [
          h('h1', {}, error.status === 404 ? 'Good not found' : 'Could not load this good'),
          h('p', { id: 'good-error', text: error.message }),
          h('p', {}, h('a', { href: '#/' }, 'Back to all goods'))
        ]);
        Shop.status.error(error);
      }
    );

    // a sign in while this page is open changes only the button
    return {
      userChanged: function () {
        if (good) {
          loadMine();
        }
      }
    };
  }

  Shop.screens.good = { title: 'Good', mount: Good };
  Shop.recentGoods = recentFrom;
})(window);
