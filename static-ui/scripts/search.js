/*
 * The header's search box with suggestions as you type (an ARIA combobox).
 * Only the newest request may render: each gets a sequence number and starting
 * a new one aborts the previous call.
 */

import { debounce, formatPrice, h, replace } from './dom.js';
import * as status from './status.js';
import * as xhr from './xhr.js';

const DEBOUNCE_MS = 200;
const LIMIT = 8;

/** Mount on form.search; returns {setQuery(q)}. */
export function mountSearch(form) {
  const input = form.querySelector('#search-input');
  const list = form.querySelector('#suggestions');
  const calls = xhr.scope();
  let seq = 0;
  let items = [];
  let active = -1;

  function close() {
    list.hidden = true;
    replace(list, []);
    items = [];
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function highlight(index) {
    active = index;
    Array.from(list.children).forEach((option, i) => {
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

  function option(good, i) {
    return h(
      'li',
      {
        id: 'suggestion-' + i,
        class: 'suggestion',
        role: 'option',
        'aria-selected': 'false',
        'data-good-id': good.id,
        // mousedown would blur the input and close the list before the click lands
        onmousedown: (event) => event.preventDefault(),
        onclick: () => openGood(good)
      },
      [h('span', { class: 'suggestion-name', text: good.name }), h('span', { class: 'price', text: formatPrice(good.price) })]
    );
  }

  function render(goods, query) {
    items = goods;
    active = -1;
    input.removeAttribute('aria-activedescendant');
    if (goods.length) {
      replace(list, goods.map(option));
    } else {
      replace(list, [
        h('li', { class: 'suggestion-empty', role: 'option', 'aria-disabled': 'true', id: 'suggestion-none' }, 'No goods match “' + query + '”')
      ]);
    }
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  /** Stop any pending suggestion: the typed text no longer wants an answer. */
  function cancel() {
    suggest.cancel();
    calls.abortAll();
    seq++;
  }

  const suggest = debounce(() => {
    const query = input.value.trim();
    calls.abortAll();
    const mine = ++seq;
    if (!query) {
      close();
      return;
    }
    calls.get(xhr.url('/api/catalog/goods', { q: query, limit: LIMIT }), { quiet: true }).then(
      (data) => {
        if (mine === seq) {
          render(data.items || [], query);
        }
      },
      (error) => {
        if (mine === seq) {
          close();
          status.error(error);
        }
      }
    );
  }, DEBOUNCE_MS);

  input.addEventListener('input', () => suggest());

  input.addEventListener('keydown', (event) => {
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
    } else if ((event.key === 'Escape' || event.key === 'Esc') && !list.hidden) {
      event.preventDefault();
      cancel();
      close();
    }
  });

  input.addEventListener('blur', () => {
    cancel();
    close();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    cancel();
    if (active >= 0 && items[active]) {
      openGood(items[active]);
      return;
    }
    close();
    window.location.hash = xhr.url('#/search', { q: input.value.trim() });
  });

  return {
    /** Keep the box in step with the results page (e.g. after Back). */
    setQuery: (q) => {
      if (document.activeElement !== input) {
        input.value = q || '';
      }
    }
  };
}
