// Small DOM helpers. Everything from the server is inserted as text (textContent, setAttribute), never as HTML.

export const SVG_NS = 'http://www.w3.org/2000/svg';

export const byId = (id) => document.getElementById(id);
export const byTestId = (testid) => document.querySelector(`[data-testid="${testid}"]`);

/** Sets a node's text only when it changed (no needless layout or lost selection). */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

/** An HTML element with attributes (`class`, `data-*`, `title`, …) and children (nodes or strings, as text). */
export function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** An SVG element with attributes, appended to `parent` when given. */
export function svg(name, attrs = {}, parent) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (parent) parent.appendChild(node);
  return node;
}
