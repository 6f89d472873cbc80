// Board contents pushed past NiceGUI's element updates (board/live.py, InPlace): each
// message maps element ids to their new inner HTML. morphdom changes only the nodes that
// differ, so the browser restyles and lays out a changed text or bar, not a whole line.
(function listen() {
  if (!window.socket) {
    setTimeout(listen, 20);
    return;
  }
  window.socket.on("pitboard_fill", (parts) => {
    for (const [id, html] of Object.entries(parts)) {
      const el = document.getElementById(id);
      if (!el) continue;
      if (window.morphdom) window.morphdom(el, "<div>" + html + "</div>", { childrenOnly: true });
      else el.innerHTML = html;
    }
  });
})();
