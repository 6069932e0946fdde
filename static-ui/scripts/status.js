/*
 * The global message area (#message, role="status") and the loading indicator
 * (#loading), shown only while some call has taken longer than ~300 ms.
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});
  var document = window.document;

  function messageEl() {
    return document.getElementById('message');
  }

  var keep = false;

  /**
   * Show text in the message area; kind is "info", "success" or "error".
   * A sticky message survives the next change of screen ("You are signed out.").
   */
  function show(text, kind, sticky) {
    var el = messageEl();
    el.textContent = text || '';
    el.setAttribute('data-kind', text ? kind || 'info' : '');
    keep = !!sticky;
  }

  function clear() {
    show('', '');
  }

  /** Called by the router: a new screen starts without the old screen's message. */
  function screenChanged() {
    if (!keep) {
      clear();
    }
    keep = false;
  }

  /** Show a normalized XHR error; a 401 also offers the sign-in page. */
  function error(err) {
    show(err.status === 401 ? 'Please sign in.' : err.message, 'error');
  }

  function mount() {
    var loading = document.getElementById('loading');
    var main = document.getElementById('main');
    Shop.xhr.onBusy(function (busy) {
      loading.hidden = !busy;
      if (busy) {
        main.setAttribute('aria-busy', 'true');
      } else {
        main.removeAttribute('aria-busy');
      }
    });
  }

  Shop.status = { show: show, clear: clear, error: error, screenChanged: screenChanged, mount: mount };
})(window);
