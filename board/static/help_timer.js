// The help calls' running timers (board/help_calls.py): every element with data-since (the
// call's time, ms since the epoch) shows the minutes and seconds since, ticking here in the
// browser, so a running timer costs the server and the other screens nothing.
(function tick() {
  const now = Date.now();
  document.querySelectorAll("[data-since]").forEach((el) => {
    const s = Math.max(0, Math.floor((now - Number(el.dataset.since)) / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    const text = h ? `${h}:${two(m)}:${two(sec)}` : `${two(m)}:${two(sec)}`;
    if (el.textContent !== text) el.textContent = text;
  });
  setTimeout(tick, 500);
})();
