/*
 * Create a good: name, price, description; errors next to their fields; on
 * success, the new good's page.
 */

import { clearFieldErrors, field, focusFirstInvalid, h, replace, setBusy, setFieldError, showFormError } from './dom.js';
import * as status from './status.js';

// the catalog stores prices as decimals with two places, sent and returned as strings
const PRICE = /^\d{1,10}(\.\d{1,2})?$/;

export const title = 'Create a good';
export const signedIn = true;

/** Mount on section.new-good. */
export function mount(el, params, calls) {
  const form = h('form', { id: 'new-good-form', class: 'form', novalidate: true }, [
    field({ id: 'new-good-name', name: 'name', label: 'Name', attrs: { required: true, maxlength: 200, autocomplete: 'off' } }),
    field({
      id: 'new-good-price',
      name: 'price',
      label: 'Price',
      hint: 'For example 12.50',
      attrs: { required: true, inputmode: 'decimal', autocomplete: 'off' }
    }),
    field({ id: 'new-good-description', name: 'description', label: 'Description (optional)', textarea: true, attrs: { rows: 4, maxlength: 2000 } }),
    h('button', { type: 'submit', id: 'new-good-submit' }, 'Create good')
  ]);
  const name = form.querySelector('#new-good-name');
  const price = form.querySelector('#new-good-price');
  const description = form.querySelector('#new-good-description');
  const submit = form.querySelector('#new-good-submit');

  replace(el, [h('h1', {}, 'Create a good'), form]);
  name.focus();

  [name, price, description].forEach((input) => {
    input.addEventListener('input', () => setFieldError(form, input.name, ''));
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    status.clear();
    const body = { name: name.value.trim(), price: price.value.trim().replace(',', '.') };
    if (description.value.trim()) {
      body.description = description.value.trim();
    }
    let ok = true;
    if (!body.name) {
      setFieldError(form, 'name', 'Give the good a name.');
      ok = false;
    }
    if (!PRICE.test(body.price)) {
      setFieldError(form, 'price', 'Enter a price such as 12 or 12.50.');
      ok = false;
    }
    if (!ok) {
      focusFirstInvalid(form);
      return;
    }
    setBusy(submit, true);
    calls.post('/api/catalog/goods', body).then(
      (good) => {
        status.show('Created “' + good.name + '”.', 'success', true);
        window.location.hash = '#/goods/' + good.id;
      },
      (error) => {
        setBusy(submit, false);
        showFormError(form, error, 'name');
      }
    );
  });
}
