/*
 * DOM helpers shared by the screens. Text always goes in through textContent,
 * so names typed by users show as text, never as markup.
 */

import * as status from './status.js';

function append(el, child) {
  if (child === null || child === undefined || child === false) {
    return;
  }
  if (Array.isArray(child)) {
    child.forEach((c) => append(el, c));
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
export function h(tag, attrs, children) {
  const el = document.createElement(tag);
  Object.keys(attrs || {}).forEach((key) => {
    const value = attrs[key];
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
export function replace(el, children) {
  while (el.firstChild) {
    el.removeChild(el.firstChild);
  }
  append(el, children);
  return el;
}

/** Call fn after `ms` of quiet; the returned function has cancel(). */
export function debounce(fn, ms) {
  let timer = null;
  function debounced(...args) {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn.apply(this, args);
    }, ms);
  }
  debounced.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  return debounced;
}

/**
 * A labelled input with a hint line and an error line, both tied to it by
 * aria-describedby. options: {id, label, type, name, hint, textarea, attrs}.
 */
export function field(options) {
  const hintId = options.id + '-hint';
  const errorId = options.id + '-error';
  const describedBy = [options.hint ? hintId : null, errorId].filter(Boolean).join(' ');
  const attrs = Object.assign(
    {
      id: options.id,
      name: options.name,
      type: options.textarea ? null : options.type || 'text',
      'aria-describedby': describedBy
    },
    options.attrs || {}
  );
  const input = h(options.textarea ? 'textarea' : 'input', attrs);
  return h('div', { class: 'field', 'data-field': options.name }, [
    h('label', { for: options.id, text: options.label }),
    input,
    options.hint ? h('p', { class: 'hint', id: hintId }, options.hint) : null,
    h('p', { class: 'field-error', id: errorId, 'data-testid': errorId })
  ]);
}

/** Show or clear (message falsy) the error under the field named `name` in form. */
export function setFieldError(form, name, message) {
  const wrapper = form.querySelector('[data-field="' + name + '"]');
  if (!wrapper) {
    return false;
  }
  const input = wrapper.querySelector('input, textarea');
  const error = wrapper.querySelector('.field-error');
  error.textContent = message || '';
  if (message) {
    input.setAttribute('aria-invalid', 'true');
  } else {
    input.removeAttribute('aria-invalid');
  }
  return true;
}

export function clearFieldErrors(form) {
  form.querySelectorAll('[data-field]').forEach((wrapper) => {
    setFieldError(form, wrapper.getAttribute('data-field'), '');
  });
}

/**
 * Put a server error where it belongs: 422 `fields` next to their inputs, a 409
 * next to conflictField, anything else in the global message area.
 */
export function showFormError(form, error, conflictField) {
  let placed = false;
  if (error.fields) {
    Object.keys(error.fields).forEach((name) => {
      if (setFieldError(form, name, error.fields[name])) {
        placed = true;
      }
    });
  }
  if (!placed && error.status === 409 && conflictField) {
    placed = setFieldError(form, conflictField, error.serverMessage || 'Already taken.');
  }
  if (placed) {
    status.show('Please correct the highlighted fields.', 'error');
    const invalid = form.querySelector('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
    }
  } else {
    status.error(error);
  }
}

/** Focus the first field marked invalid (after the form's own checks). */
export function focusFirstInvalid(form) {
  form.querySelector('[aria-invalid="true"]').focus();
}

export function formatPrice(price) {
  return price === null || price === undefined ? '' : String(price);
}

/** A busy button cannot be pressed twice. */
export function setBusy(button, busy) {
  button.disabled = Boolean(busy);
  if (busy) {
    button.setAttribute('aria-busy', 'true');
  } else {
    button.removeAttribute('aria-busy');
  }
}
