// Tiny DOM helpers: every text goes in as a text node, never as HTML.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      node.className = value;
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      node.setAttribute(key, String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let uid = 0;
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

// Each render takes a ticket; a slow screen whose ticket is no longer the latest (the patient
// moved on while it waited for the network) must not overwrite the screen shown since.
let ticket = 0;

export function renderer() {
  ticket += 1;
  const mine = ticket;
  return (...children) => {
    if (mine === ticket) show(...children);
  };
}

// Replace the main region and move focus to its heading, for screen readers and keyboards.
export function show(...children) {
  ticket += 1;
  const main = document.getElementById("main");
  main.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
  window.scrollTo(0, 0);
}

export function uuid() {
  return crypto.randomUUID();
}
