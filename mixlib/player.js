// The static frame player of mixlib's explorers: pre-rendered frames, shown one at a
// time, stepped with real buttons and a labelled range input. No dependencies.
(function () {
  "use strict";
  function setUp(root) {
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    var data = JSON.parse(root.querySelector("script.mixlib-player-data").textContent);
    var img = root.querySelector("img");
    var controls = root.querySelector(".mixlib-player-controls");
    var play = root.querySelector(".mixlib-player-play");
    var prev = root.querySelector(".mixlib-player-prev");
    var next = root.querySelector(".mixlib-player-next");
    var slider = root.querySelector("input[type=range]");
    var status = root.querySelector(".mixlib-player-status");
    var radios = Array.prototype.slice.call(root.querySelectorAll("input[type=radio]"));
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    // Reduced motion: frames still change only when asked, and at a pace one can read.
    var interval = data.interval * (reduced ? 2.5 : 1);
    var variant = 0, index = 0, timer = null;
    var n = data.variants[0].frames.length;

    function show(i, announce) {
      index = Math.max(0, Math.min(n - 1, i));
      var frame = data.variants[variant].frames[index];
      img.src = frame.src;
      img.alt = frame.alt;
      slider.value = String(index);
      slider.setAttribute("aria-valuetext", data.step + " " + index + " of " + (n - 1));
      status.setAttribute("aria-live", announce === false ? "off" : "polite");
      status.textContent = frame.alt;
    }
    function pause() {
      if (timer === null) return;
      clearInterval(timer);
      timer = null;
      play.setAttribute("aria-pressed", "false");
      play.querySelector(".mixlib-player-label").textContent = "Play";
      show(index, true);
    }
    function start() {
      if (index === n - 1) show(0, false);
      play.setAttribute("aria-pressed", "true");
      play.querySelector(".mixlib-player-label").textContent = "Pause";
      timer = setInterval(function () {
        if (index >= n - 1) { pause(); return; }
        show(index + 1, false);  // announced once, when the run stops
      }, interval);
    }
    play.addEventListener("click", function () { if (timer === null) start(); else pause(); });
    prev.addEventListener("click", function () { pause(); show(index - 1); });
    next.addEventListener("click", function () { pause(); show(index + 1); });
    slider.addEventListener("input", function () { pause(); show(parseInt(slider.value, 10)); });
    radios.forEach(function (radio, k) {
      radio.addEventListener("change", function () { if (radio.checked) { variant = k; show(index); } });
    });
    controls.hidden = false;
    show(0, false);
  }
  var here = document.currentScript && document.currentScript.closest(".mixlib-player");
  if (here) setUp(here);
  Array.prototype.forEach.call(document.querySelectorAll(".mixlib-player"), setUp);
})();
