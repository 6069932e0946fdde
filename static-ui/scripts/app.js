/*
 * Wires the screens together: mounts the header parts, routes the URL hash to
 * one screen at a time, and follows sign in / sign out.
 */
(function (window) {
  'use strict';

  var Shop = window.Shop;
  var document = window.document;
  var h = Shop.dom.h;

  var ROUTES = [
    { pattern: /^\/$/, screen: 'goods' },
    { pattern: /^\/search$/, screen: 'goods' },
    { pattern: /^\/signup$/, screen: 'signup' },
    { pattern: /^\/signin$/, screen: 'signin' },
    { pattern: /^\/goods\/(\d+)$/, screen: 'good', keys: ['id'] },
    { pattern: /^\/my-goods$/, screen: 'my-goods' },
    { pattern: /^\/new-good$/, screen: 'new-good' }
  ];

  var main;
  var search;
  var current = null;
  var renderedHash = null;

  /** "#/goods/12?x=1" -> {screen: "good", params: {id: "12", x: "1"}}. */
  function resolve(hash) {
    var raw = hash.replace(/^#/, '') || '/';
    var query = '';
    var at = raw.indexOf('?');
    if (at >= 0) {
      query = raw.slice(at + 1);
      raw = raw.slice(0, at);
    }
    var params = {};
    query.split('&').forEach(function (pair) {
      if (!pair) {
        return;
      }
      var eq = pair.indexOf('=');
      var key = eq >= 0 ? pair.slice(0, eq) : pair;
      var value = eq >= 0 ? pair.slice(eq + 1) : '';
      try {
        params[decodeURIComponent(key)] = decodeURIComponent(value.replace(/\+/g, ' '));
      } catch (e) {
        // a hand-edited hash with a broken escape: ignore that parameter
      }
    });
    for (var i = 0; i < ROUTES.length; i++) {
      var match = ROUTES[i].pattern.exec(raw);
      if (match) {
        (ROUTES[i].keys || []).forEach(function (key, k) {
          params[key] = match[k + 1];
        });
        return { screen: ROUTES[i].screen, params: params };
      }
    }
    return { screen: null, params: params };
  }

  function signInRequired(section) {
    Shop.dom.replace(section, [
      h('h1', {}, 'Please sign in'),
      h('p', { id: 'signin-required' }, [
        'You need to be signed in to see this page. ',
        h('a', { href: Shop.xhr.url('#/signin', { next: window.location.hash }) }, 'Sign in'),
        ' or ',
        h('a', { href: '#/signup' }, 'create an account'),
        '.'
      ])
    ]);
  }

  function notFound(section) {
    Shop.dom.replace(section, [
      h('h1', {}, 'Page not found'),
      h('p', {}, h('a', { href: '#/' }, 'Go to the home page'))
    ]);
  }

  /** Replace the current screen with the one the hash names. */
  function render() {
    var route = resolve(window.location.hash);
    var screen = route.screen && Shop.screens[route.screen];
    renderedHash = window.location.hash;

    if (current) {
      current.calls.close();
    }
    Shop.status.screenChanged();

    var name = route.screen || 'not-found';
    var section = h('section', { class: 'screen ' + name, 'data-screen': name });
    Shop.dom.replace(main, section);
    var calls = Shop.xhr.scope();
    var api = null;

    if (!screen) {
      notFound(section);
      document.title = 'Not found – Shop';
    } else if (screen.signedIn && !Shop.session.user()) {
      signInRequired(section);
      document.title = 'Please sign in – Shop';
    } else {
      document.title = screen.title + ' – Shop';
      api = screen.mount(section, route.params, calls) || null;
    }
    current = { screen: screen, calls: calls, api: api };

    search.setQuery(route.screen === 'goods' ? route.params.q : '');
    // announce the new screen to keyboard and screen reader users, unless it focused a field
    var active = document.activeElement;
    if (!main.contains(active) && active && active.id !== 'search-input') {
      main.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }

  function userChanged(user) {
    if (!user) {
      // signed out: drop the screen (and any private data in it) right away, then go home
      if (window.location.hash !== '#/' && window.location.hash !== '') {
        window.location.hash = '#/';
      }
      render();
    } else if (current && current.api && current.api.userChanged) {
      current.api.userChanged(user);
    } else if (current && current.screen && current.screen.signedIn) {
      render();
    }
  }

  function start() {
    main = document.getElementById('main');
    Shop.status.mount();
    Shop.SiteHeader(document.querySelector('.site-nav'));
    search = Shop.Search(document.querySelector('.search'));

    window.addEventListener('hashchange', function () {
      // render() may already have drawn this hash (sign out draws before the event fires)
      if (window.location.hash !== renderedHash) {
        render();
      }
    });

    Shop.session.refresh().then(
      function () {
        Shop.session.onChange(userChanged);
        render();
      },
      function (error) {
        Shop.session.onChange(userChanged);
        render();
        Shop.status.error(error);
      }
    );
  }

  start();
})(window);
