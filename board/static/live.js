// What the boards push past NiceGUI's element updates (board/live.py, LiveBoard). Each
// message maps a part's name (an element's data-live) either to its new inner HTML, which
// morphdom applies by changing only the nodes that differ, or to pieces keyed by data-k:
// a piece's new HTML, or null for a piece that is gone.
(function listen() {
  if (!window.socket) {
    setTimeout(listen, 20);
    return;
  }
  const found = new Map();
  const part = (name) => {
    let el = found.get(name);
    if (!el || !el.isConnected) {
      el = document.querySelector(`[data-live="${CSS.escape(name)}"]`);
      if (el) found.set(name, el);
    }
    return el;
  };
  const morph = (node, html, childrenOnly) => {
    if (window.morphdom) window.morphdom(node, childrenOnly ? "<div>" + html + "</div>" : html, { childrenOnly });
    else if (childrenOnly) node.innerHTML = html;
    else node.outerHTML = html;
  };
  window.socket.on("pitboard_fill", (parts) => {
    for (const [name, content] of Object.entries(parts)) {
      const el = part(name);
      if (!el) continue;
      if (typeof content === "string") {
        morph(el, content, true);
        continue;
      }
      for (const [key, html] of Object.entries(content)) {
        const piece = el.querySelector(`:scope > [data-k="${CSS.escape(key)}"]`);
        if (html === null) piece?.remove();
        else if (piece) morph(piece, html, false);
        else el.insertAdjacentHTML("beforeend", html);
      }
    }
  });
})();
