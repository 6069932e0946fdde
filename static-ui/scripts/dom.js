/*
 * DOM helpers shared by the screens. Text always goes in through textContent,
 * so names typed by users show as text, never as markup.
 */
(function (window) {
  'use strict';

  var Shop = (window.Shop = window.Shop || {});
  var document = window.document;

  function append(el, child) {
    if (child === null || child === undefined || child === false) {
      return;
    }
    if (Array.isArray(child)) {
      child.forEach(function (c) {
        append(el, c);
      });
    } else if (typeof child === 'string' || typeof child === 'number') {
      el.appendChild(document.createTextNode(String(child)));
    } else {
      el.appendChild(child);
    }
  }

  /**
   * h('button', {type: 'button', id: 'x', onclick: fn, text: 'Go'}, children):
   * "on*" keys become listeners, `text` becomes textContent, true becomes an empty attribute.
   */
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (key === 'text') {
        el.textContent = String(value);
      } else if (key.slice(0, 2) === 'on' && typeof value === 'function') {
        el.addEventListener(key.slice(2), value);
      } else if (value === true) {
        el.setAttribute(key, '');
      } else {
        el.setAttribute(key, String(value));
      }
    });
    append(el, children);
    return el;
  }

  /** Replace all children of el. */
  function replace(el, children) {
    while (el.firstChild) {
      el.removeChild(el.firstChild);
    }
    append(el, children);
    return el;
  }

  /** Call fn after `ms` of quiet; the returned function has cancel(). */
  function debounce(fn, ms) {
    var timer = null;
    function debounced() {
      var args = arguments;
      var self = this;
      clearTimeout(timer);
      timer = setTimeout(function () {
        timer = null;
        fn.apply(self, args);
      }, ms);
    }
    debounced.cancel = function () {
      clearTimeout(timer);
      timer = null;
    };
    return debounced;
  }

  /**
   * A labelled input with a hint line and an error line, both tied to it by
   * aria-describedby. options: {id, label, type, name, hint, textarea, attrs}.
   */
  function field(options) {
    var hintId = options.id + '-hint';
    var errorId = options.id + '-error';
    var describedBy = [options.hint ? hintId : null, errorId].filter(Boolean).join(' ');
    var attrs = Object.assign(
      {
        id: options.id,
        name: options.name,
        type: options.textarea ? null : options.type || 'text',
        'aria-describedby': describedBy
      },
      options.attrs || {}
    );
    var input = h(options.textarea ? 'textarea' : 'input', attrs);
    return h('div', { class: 'field', 'data-field': options.name }, [
      h('label', { for: options.id, text: options.label }),
      input,
      options.hint ? h('p', { class: 'hint', id: hintId }, options.hint) : null,
      h('p', { class: 'field-error', id: errorId, 'data-testid': errorId })
    ]);
  }

  /** Show or clear (message falsy) the error under the field named `name` in form. */
  function setFieldError(form, name, message) {
    var wrapper = form.querySelector('[data-field="' + name + '"]');
    if (!wrapper) {
      return false;
    }
    var input = wrapper.querySelector('input, textarea');
    var error = wrapper.querySelector('.field-error');
    error.textContent = message || '';
    if (message) {
      input.setAttribute('aria-invalid', 'true');
    } else {
      input.removeAttribute('aria-invalid');
    }
    return true;
  }

  function clearFieldErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll('[data-field]'), function (wrapper) {
      setFieldError(form, wrapper.getAttribute('data-field'), '');
    });
  }

  /**
   * Put a server error where it belongs: 422 `fields` next to their inputs, a 409
   * next to conflictField, anything else in the global message area.
   */
  function showFormError(form, error, conflictField) {
    var placed = false;
    if (error.fields) {
      Object.keys(error.fields).forEach(function (name) {
        if (setFieldError(form, name, error.fields[name])) {
          placed = true;
        }
      });
    }
    if (!placed && error.status === 409 && conflictField) {
      placed = setFieldError(form, conflictField, error.serverMessage || 'Already taken.');
    }
    if (placed) {
      Shop.status.show('Please correct the highlighted fields.', 'error');
      var invalid = form.querySelector('[aria-invalid="true"]');
      if (invalid) {
        invalid.focus();
      }
    } else {
      Shop.status.error(error);
    }
  }

  function formatPrice(price) {
    return price === null || price === undefined ? '' : String(price);
  }

  /** A busy submit button cannot be pressed twice. */
  function setBusy(button, busy) {
    button.disabled = !!busy;
    if (busy) {
      button.setAttribute('aria-busy', 'true');
    } else {
      button.removeAttribute('aria-busy');
    }
  }

  Shop.dom = {
    h: h,
    replace: replace,
    debounce: debounce,
    field: field,
    setFieldError: setFieldError,
    clearFieldErrors: clearFieldErrors,
    showFormError: showFormError,
    formatPrice: formatPrice,
    setBusy: setBusy
  };
})(window);
