// DOM lookups for the elements of the page shell (page.tsx).

/**
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @returns {T}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return /** @type {T} */ (el);
}

/**
 * Sets innerHTML only when it changed: the state arrives several times a second during a deployment,
 * and rewriting identical markup would reset text selections and hover states for nothing.
 * @param {string} id
 * @param {string} html
 */
export function render(id, html) {
  const el = byId(id);
  if (el.dataset.html !== html) {
    el.innerHTML = html;
    el.dataset.html = html;
  }
}
