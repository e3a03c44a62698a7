// latchkey portal: optional enhancements only. Every page works without
// this file: a show/hide toggle for password fields marked data-reveal, and
// a rough strength hint for fields marked data-strength.
(function () {
  "use strict";

  function addReveal(input) {
    var wrap = document.createElement("div");
    wrap.className = "reveal-wrap";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "reveal";
    button.textContent = "Show";
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? "Hide" : "Show";
      button.setAttribute("aria-pressed", show ? "true" : "false");
    });
    wrap.appendChild(button);
  }

  // 0..4 from length and variety; the server's policy decides for real.
  function score(value) {
    if (!value) return 0;
    var kinds = 0;
    if (/[a-z]/.test(value)) kinds++;
    if (/[A-Z]/.test(value)) kinds++;
    if (/[0-9]/.test(value)) kinds++;
    if (/[^A-Za-z0-9]/.test(value)) kinds++;
    var s = 0;
    if (value.length >= 12) s++;
    if (value.length >= 16) s++;
    if (kinds >= 3) s++;
    if (value.length >= 20 || (value.length >= 14 && kinds === 4)) s++;
    return Math.min(s, 4);
  }

  var words = ["Too short", "Weak", "Fair", "Good", "Strong"];

  function addStrength(input) {
    var bar = document.createElement("div");
    bar.className = "strength";
    bar.setAttribute("aria-hidden", "true");
    bar.appendChild(document.createElement("span"));
    var text = document.createElement("p");
    text.className = "hint";
    text.id = input.id + "-strength";
    text.setAttribute("aria-live", "polite");
    var anchor = input.closest(".reveal-wrap") || input;
    anchor.parentNode.insertBefore(text, anchor.nextSibling);
    anchor.parentNode.insertBefore(bar, text);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + text.id);
    input.addEventListener("input", function () {
      var s = score(input.value);
      bar.setAttribute("data-score", String(s));
      bar.firstChild.style.width = (input.value ? (s + 1) * 20 : 0) + "%";
      text.textContent = input.value ? "Strength: " + words[s] : "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-reveal]"), addReveal);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-strength]"), addStrength);
  });
})();
