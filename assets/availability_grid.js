// Click-and-drag on the weekly availability grid, with the mouse, a pen or a finger (pointer events).
// While dragging, the chosen cells are highlighted here in the browser (no round trip); on release the
// selection goes to the server through the hidden #grid-drag-result input, as "day,firstCell,endCell".
(function () {
  if (window.__trainerdeskGrid) return;
  window.__trainerdeskGrid = true;
  var drag = null;

  // The cell under a point, looking through what lies over the cells (busy times greyed on top keep
  // their pointer events for their tooltips).
  function cellAt(x, y) {
    var els = document.elementsFromPoint(x, y);
    for (var i = 0; i < els.length; i++) {
      if (els[i].closest && els[i].closest("button")) return null;
      if (els[i].dataset && els[i].dataset.slot !== undefined) return els[i];
    }
    return null;
  }
  function span() {
    return [Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)];
  }
  function hhmm(cell) {
    var m = cell * 30;
    return String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
  }
  function paint() {
    document.querySelectorAll(".td-cell-drag").forEach(function (c) { c.classList.remove("td-cell-drag"); });
    var out = document.getElementById("grid-drag-label");
    if (!drag) { if (out) out.textContent = ""; return; }
    var s = span();
    document.querySelectorAll('[data-day="' + drag.day + '"][data-slot]').forEach(function (c) {
      var n = +c.dataset.slot;
      if (n >= s[0] && n <= s[1]) c.classList.add("td-cell-drag");
    });
    if (out) out.textContent = "Adding " + drag.dayName + " " + hhmm(s[0]) + "–" + hhmm(s[1] + 1);
  }
  function send(value) {
    var input = document.getElementById("grid-drag-result");
    if (!input) return;
    // Set the value the way React notices, then fire the input event its onChange listens to.
    var setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
    setter.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
  document.addEventListener("pointerdown", function (e) {
    var on = e.target.closest ? e.target.closest("[data-slot], .td-busy") : null;
    var c = on && cellAt(e.clientX, e.clientY);
    if (!c || e.button > 0) return;
    e.preventDefault();
    drag = { day: c.dataset.day, dayName: c.dataset.dayName, from: +c.dataset.slot, to: +c.dataset.slot };
    paint();
  });
  document.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var c = cellAt(e.clientX, e.clientY);
    if (c && c.dataset.day === drag.day && +c.dataset.slot !== drag.to) { drag.to = +c.dataset.slot; paint(); }
  });
  document.addEventListener("pointerup", function () {
    if (!drag) return;
    var s = span();
    var value = drag.day + "," + s[0] + "," + (s[1] + 1) + "," + Date.now();
    drag = null;
    paint();
    send(value);
  });
  document.addEventListener("pointercancel", function () { drag = null; paint(); });
})();
