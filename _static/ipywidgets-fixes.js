// The theme's Font Awesome replaces every <i class="fa ..."> with an <svg>. The Play
// widget keeps a handle on its <i> icon and throws when it is gone, which also stops
// the in-browser links between a run's slider and its frames. "nest" puts the svg
// inside the <i> instead, so the widget finds its icon.
window.FontAwesomeConfig = Object.assign({}, window.FontAwesomeConfig, {autoReplaceSvg: "nest"});
