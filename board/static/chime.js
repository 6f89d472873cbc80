// The advisor's notice sound: two short tones made by the browser (WebAudio), no file.
// A browser lets a page sound only once a person has touched it: the first tap wakes it.
(() => {
  window.pitboardChimes = 0;
  let audio = null;
  const context = () => {
    const Made = window.AudioContext || window.webkitAudioContext;
    if (!audio && Made) audio = new Made();
    return audio;
  };
  const tone = (ctx, hz, from) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = hz;
    const t = ctx.currentTime + from;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.3, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.16);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.18);
  };
  window.pitboardChime = () => {
    window.pitboardChimes += 1;
    try {
      const ctx = context();
      if (!ctx) return;
      if (ctx.state === "suspended") ctx.resume();
      tone(ctx, 880, 0);
      tone(ctx, 660, 0.2);
    } catch (e) {
      // No sound here: the notice is on the screen all the same.
    }
  };
  document.addEventListener("pointerdown", () => { const c = context(); if (c) c.resume(); }, { once: true });
})();
