// Building DOM nodes from data without innerHTML: every string from the node is text, never markup.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function $(selector) {
  return document.querySelector(selector);
}

export function replaceChildren(node, children) {
  node.replaceChildren();
  append(node, children);
}

const rendered = new WeakMap(); // element -> JSON of the item it shows

/** Show ``items`` in ``root``, one element each, reusing the element of an item whose data has not
 * changed (so a form an officer is typing in survives updates of other items). */
export function keyedRender(root, items, keyOf, render, empty) {
  const old = new Map([...root.children].filter((n) => n.dataset.key).map((n) => [n.dataset.key, n]));
  const nodes = items.map((item) => {
    const key = String(keyOf(item));
    const json = JSON.stringify(item);
    const previous = old.get(key);
    if (previous && rendered.get(previous) === json) return previous;
    const node = render(item);
    node.dataset.key = key;
    rendered.set(node, json);
    return node;
  });
  if (!nodes.length && empty) nodes.push(empty());
  root.replaceChildren(...nodes);
}
