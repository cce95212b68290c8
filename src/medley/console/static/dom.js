// Building elements safely: every piece of data goes in as text (textContent or a Text node), never as HTML.

/**
 * h("button", {class: "x", type: "button", onclick: fn}, "label", child)
 * Props: `class`, `text`, `dataset`, `on<event>` listeners, `true` for boolean attributes; others are attributes.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** A definition list from [label, value] pairs; empty values are left out. */
export function facts(pairs, className = "facts") {
  const list = h("dl", { class: className });
  for (const [label, value] of pairs) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) continue;
    list.append(h("div", { class: "fact" }, h("dt", { text: label }),
      h("dd", {}, Array.isArray(value) ? value.join(", ") : value)));
  }
  return list;
}

/** Shows an API error readably in `container`: title, detail, the detailed codes and the request id. */
export function showProblem(container, error) {
  const details = typeof error?.details === "object" && Array.isArray(error.details) ? error.details : [];
  const parts = [
    h("p", { class: "problem-title" }, error?.title || "Something went wrong",
      error?.code ? h("code", { class: "problem-code", text: error.code }) : null),
  ];
  const detail = error?.problem?.detail || (error?.problem ? null : error?.message);
  if (detail) parts.push(h("p", { class: "problem-detail", text: detail }));
  if (details.length) {
    parts.push(h("ul", { class: "problem-list" }, details.map((d) =>
      h("li", {}, h("code", { text: d.code }), d.text ? ` ${d.text}` : ""))));
  }
  if (error?.requestId) parts.push(h("p", { class: "problem-request", text: `Request id: ${error.requestId}` }));
  replaceChildren(container, parts);
  container.hidden = false;
}

export function hideProblem(container) {
  container.hidden = true;
  container.replaceChildren();
}

/** Saves a Blob under a file name through a temporary object URL. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by the next tick; the URL is no longer needed after it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
