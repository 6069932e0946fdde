/*
 * Create a good: name, price, description; errors next to their fields; on
 * success, the new good's page.
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});
  Shop.screens = Shop.screens || {};
  var h = function () {
    return Shop.dom.h.apply(null, arguments);
  };

  // the catalog stores prices as decimals with two places, sent and returned as strings
  var PRICE = /^\d{1,10}(\.\d{1,2})?$/;

  /** Mount on section.new-good. */
  function NewGood(el, params, calls) {
    var dom = Shop.dom;
    var form = h('form', { id: 'new-good-form', class: 'form', novalidate: true }, [
      dom.field({ id: 'new-good-name', name: 'name', label: 'Name', attrs: { required: true, maxlength: 200, autocomplete: 'off' } }),
      dom.field({
        id: 'new-good-price',
        name: 'price',
        label: 'Price',
        hint: 'For example 12.50',
        attrs: { required: true, inputmode: 'decimal', autocomplete: 'off' }
      }),
      dom.field({ id: 'new-good-description', name: 'description', label: 'Description (optional)', textarea: true, attrs: { rows: 4, maxlength: 2000 } }),
      h('button', { type: 'submit', id: 'new-good-submit' }, 'Create good')
    ]);
    var name = form.querySelector('#new-good-name');
    var price = form.querySelector('#new-good-price');
    var description = form.querySelector('#new-good-description');
    var submit = form.querySelector('#new-good-submit');

    dom.replace(el, [h('h1', {}, 'Create a good'), form]);
    name.focus();

    [name, price, description].forEach(function (input) {
      input.addEventListener('input', function () {
        dom.setFieldError(form, input.name, '');
      });
    });

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      dom.clearFieldErrors(form);
      Shop.status.clear();
      var body = { name: name.value.trim(), price: price.value.trim().replace(',', '.') };
      if (description.value.trim()) {
        body.description = description.value.trim();
      }
      var ok = true;
      if (!body.name) {
        dom.setFieldError(form, 'name', 'Give the good a name.');
        ok = false;
      }
      if (!PRICE.test(body.price)) {
        dom.setFieldError(form, 'price', 'Enter a price such as 12 or 12.50.');
        ok = false;
      }
      if (!ok) {
        form.querySelector('[aria-invalid="true"]').focus();
        return;
      }
      dom.setBusy(submit, true);
      calls.post('/api/catalog/goods', body).then(
        function (good) {
          Shop.status.show('Created “' + good.name + '”.', 'success', true);
          window.location.hash = '#/goods/' + good.id;
        },
        function (error) {
          dom.setBusy(submit, false);
          dom.showFormError(form, error, 'name');
        }
      );
    });
  }

  Shop.screens['new-good'] = { title: 'Create a good', mount: NewGood, signedIn: true };
})(window);
