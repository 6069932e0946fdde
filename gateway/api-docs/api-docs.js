// The API explorer: Swagger UI (vendor/, from the pinned swagger-ui-dist) rendering one service's
// OpenAPI document at a time; the select switches between them, and the URL's hash keeps the choice.
// "Try it out" calls the live API through the gateway like the shop's own UI does: the XHR marker on
// every call and, on unsafe ones, the session's CSRF token (GET /api/session/csrf makes one if needed).
'use strict';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

async function csrfToken() {
  const response = await fetch('/api/session/csrf', {
    credentials: 'same-origin',
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  return (await response.json()).csrf_token;
}

async function withShopHeaders(request) {
  request.headers['X-Requested-With'] = 'XMLHttpRequest';
  if (UNSAFE.has(String(request.method).toUpperCase()) && !request.headers['X-CSRF-Token']) {
    request.headers['X-CSRF-Token'] = await csrfToken();
  }
  return request;
}

// catalog-service documents X-Identity, the assertion the gateway sets from the session: through the
// gateway a caller never sends it (the gateway replaces it), so the explorer does not ask for it.
function isIdentityHeader(parameter) {
  return parameter && parameter.in === 'header' && String(parameter.name).toLowerCase() === 'x-identity';
}

function withoutIdentityHeader(response) {
  if (!/\/openapi\.json$/.test(response.url) || !response.body || !response.body.paths) return response;
  const spec = response.body;
  for (const item of Object.values(spec.paths)) {
    for (const operation of [item, ...Object.values(item)]) {
      if (operation && Array.isArray(operation.parameters)) {
        operation.parameters = operation.parameters.filter((parameter) => !isIdentityHeader(parameter));
      }
    }
  }
  response.text = JSON.stringify(spec);
  response.data = response.text;
  response.obj = spec;
  return response;
}

function show(url) {
  window.SwaggerUIBundle({
    url,
    dom_id: '#swagger-ui',
    deepLinking: false,
    validatorUrl: null, // no calls to an outside validator
    requestInterceptor: withShopHeaders,
    responseInterceptor: withoutIdentityHeader,
  });
}

function start() {
  const select = document.getElementById('api-docs-spec');
  const chosen = [...select.options].find((option) => option.value === window.location.hash.slice(1));
  if (chosen) select.value = chosen.value;
  select.addEventListener('change', () => {
    window.location.hash = select.value;
    show(select.value);
  });
  show(select.value);
}

document.addEventListener('DOMContentLoaded', start);
