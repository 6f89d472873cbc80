// Board contents pushed past NiceGUI's element updates (board/live.py, InPlace). Each
// message maps element ids either to their new inner HTML, which morphdom applies by
// changing only the nodes that differ, or to pieces keyed by data-k: a piece's new HTML,
// or null for a piece that is gone.
(function listen() {
  if (!window.socket) {
    setTimeout(listen, 20);
    return;
  }
  const morph = (node, html, childrenOnly) => {
    if (window.morphdom) window.morphdom(node, childrenOnly ? "<div>" + html + "</div>" : html, { childrenOnly });
    else if (childrenOnly) node.innerHTML = html;
    else node.outerHTML = html;
  };
  window.socket.on("pitboard_fill", (parts) => {
    for (const [id, content] of Object.entries(parts)) {
      const el = document.getElementById(id);
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
