// The customer's signature, drawn with a finger, a pen or the mouse on a canvas with the
// class "signature-pad" (board/walkaround_page.py). After every stroke the canvas sends
// what it shows as a PNG data URL in a "signed" event; cleared, an empty one.
(function () {
  const attach = (canvas) => {
    if (canvas.dataset.ready) return;
    canvas.dataset.ready = "1";
    const pen = canvas.getContext("2d");
    pen.lineWidth = 3;
    pen.lineCap = "round";
    pen.lineJoin = "round";
    pen.strokeStyle = "#0f172a";
    let drawing = false;
    let inked = false;
    const at = (e) => {
      const box = canvas.getBoundingClientRect();
      return [
        ((e.clientX - box.left) * canvas.width) / box.width,
        ((e.clientY - box.top) * canvas.height) / box.height,
      ];
    };
    const tell = () => {
      const url = inked ? canvas.toDataURL("image/png") : "";
      canvas.dispatchEvent(new CustomEvent("signed", { detail: url }));
    };
    canvas.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      drawing = true;
      const [x, y] = at(e);
      pen.beginPath();
      pen.moveTo(x, y);
      pen.lineTo(x + 0.1, y + 0.1);
      pen.stroke();
      inked = true;
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!drawing) return;
      e.preventDefault();
      const [x, y] = at(e);
      pen.lineTo(x, y);
      pen.stroke();
    });
    const stop = () => {
      if (!drawing) return;
      drawing = false;
      tell();
    };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("clear-signature", () => {
      pen.clearRect(0, 0, canvas.width, canvas.height);
      inked = false;
      tell();
    });
  };
  const scan = () => document.querySelectorAll("canvas.signature-pad").forEach(attach);
  new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
  scan();
})();
