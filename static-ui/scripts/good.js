/*
 * A good's page: its details, the mine toggle (good-mine.js) and who has it
 * (good-owners.js). Opening it records the good as recently viewed.
 */

import { formatPrice, h, replace } from './dom.js';
import { mineToggle } from './good-mine.js';
import { goodOwners } from './good-owners.js';
import * as recentGoods from './recent-goods.js';
import * as status from './status.js';

export const title = 'Good';

function details(good) {
  return h('div', { class: 'good-details', id: 'good-details' }, [
    h('h1', { id: 'good-name', text: good.name }),
    h('p', { class: 'price', id: 'good-price', text: formatPrice(good.price) }),
    h('p', { id: 'good-description', class: good.description ? 'description' : 'description empty', text: good.description || 'No description.' })
  ]);
}

/** Mount on section.good; params.id is the good's id. */
export function mount(el, params, calls) {
  let toggle = null;

  calls.get('/api/catalog/goods/' + params.id).then(
    (good) => {
      const owners = goodOwners(good.id, calls);
      // an add or remove answers with the new count; the first page of owners is read again
      toggle = mineToggle(good, calls, (answer) => {
        owners.setCount(answer.owners_count);
        owners.reload();
      });
      replace(el, [details(good), toggle.el, owners.el]);
      document.title = good.name + ' – Shop';
      owners.setCount(good.owners_count);
      owners.reload();
      toggle.check();
      recentGoods.remember(good);
    },
    (error) => {
      replace(el, [
        h('h1', {}, error.status === 404 ? 'Good not found' : 'Could not load this good'),
        h('p', { id: 'good-error', text: error.message }),
        h('p', {}, h('a', { href: '#/' }, 'Back to all goods'))
      ]);
      status.error(error);
    }
  );

  // a sign in while this page is open changes only the toggle
  return {
    userChanged: () => {
      if (toggle) {
        toggle.check();
      }
    }
  };
}
