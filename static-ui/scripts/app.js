/*
 * The entry module: mounts the header parts, routes the URL hash to one screen
 * at a time, and follows sign in / sign out. Screens are modules exporting
 * {title, mount(section, params, calls), signedIn?}.
 */

import { h, replace } from './dom.js';
import * as good from './good.js';
import * as goods from './goods.js';
import * as myGoods from './my-goods.js';
import * as newGood from './new-good.js';
import { mountSearch } from './search.js';
import * as session from './session.js';
import * as signin from './signin.js';
import * as signup from './signup.js';
import { mountSiteNav } from './site-header.js';
import * as status from './status.js';
import * as xhr from './xhr.js';

const SCREENS = { goods: goods, signup: signup, signin: signin, good: good, 'my-goods': myGoods, 'new-good': newGood };

const ROUTES = [
  { pattern: /^\/$/, screen: 'goods' },
  { pattern: /^\/search$/, screen: 'goods' },
  { pattern: /^\/signup$/, screen: 'signup' },
  { pattern: /^\/signin$/, screen: 'signin' },
  { pattern: /^\/goods\/(\d+)$/, screen: 'good', keys: ['id'] },
  { pattern: /^\/my-goods$/, screen: 'my-goods' },
  { pattern: /^\/new-good$/, screen: 'new-good' }
];

const main = document.getElementById('main');
let search = null;
let current = null;
let renderedHash = null;

/** "#/goods/12?x=1" -> {screen: "good", params: {id: "12", x: "1"}}. */
function resolve(hash) {
  let raw = hash.replace(/^#/, '') || '/';
  let query = '';
  const at = raw.indexOf('?');
  if (at >= 0) {
    query = raw.slice(at + 1);
    raw = raw.slice(0, at);
  }
  const params = {};
  query.split('&').forEach((pair) => {
    if (!pair) {
      return;
    }
    const eq = pair.indexOf('=');
    const key = eq >= 0 ? pair.slice(0, eq) : pair;
    const value = eq >= 0 ? pair.slice(eq + 1) : '';
    try {
      params[decodeURIComponent(key)] = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch (e) {
      // a hand-edited hash with a broken escape: ignore that parameter
    }
  });
  for (const route of ROUTES) {
    const match = route.pattern.exec(raw);
    if (match) {
      (route.keys || []).forEach((key, k) => {
        params[key] = match[k + 1];
      });
      return { screen: route.screen, params: params };
    }
  }
  return { screen: null, params: params };
}

function signInRequired(section) {
  replace(section, [
    h('h1', {}, 'Please sign in'),
    h('p', { id: 'signin-required' }, [
      'You need to be signed in to see this page. ',
      h('a', { href: xhr.url('#/signin', { next: window.location.hash }) }, 'Sign in'),
      ' or ',
      h('a', { href: '#/signup' }, 'create an account'),
      '.'
    ])
  ]);
}

function notFound(section) {
  replace(section, [h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '#/' }, 'Go to the home page'))]);
}

/** Replace the current screen with the one the hash names. */
function render() {
  const route = resolve(window.location.hash);
  const screen = route.screen ? SCREENS[route.screen] : null;
  renderedHash = window.location.hash;

  if (current) {
    current.calls.close();
  }
  status.screenChanged();

  const name = route.screen || 'not-found';
  const section = h('section', { class: 'screen ' + name, 'data-screen': name });
  replace(main, section);
  const calls = xhr.scope();
  let api = null;

  if (!screen) {
    notFound(section);
    document.title = 'Not found – Shop';
  } else if (screen.signedIn && !session.current()) {
    signInRequired(section);
    document.title = 'Please sign in – Shop';
  } else {
    document.title = screen.title + ' – Shop';
    api = screen.mount(section, route.params, calls) || null;
  }
  current = { screen: screen, calls: calls, api: api };

  search.setQuery(route.screen === 'goods' ? route.params.q : '');
  // announce the new screen to keyboard and screen reader users, unless it focused a field
  const active = document.activeElement;
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
  status.mount();
  mountSiteNav(document.querySelector('.site-nav'));
  search = mountSearch(document.querySelector('.search'));

  window.addEventListener('hashchange', () => {
    // render() may already have drawn this hash (sign out draws before the event fires)
    if (window.location.hash !== renderedHash) {
      render();
    }
  });

  session.refresh().then(
    () => {
      session.onChange(userChanged);
      render();
    },
    (error) => {
      session.onChange(userChanged);
      render();
      status.error(error);
    }
  );
}

start();
