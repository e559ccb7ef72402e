// Drag a session of the dashboard calendar to another time, with the mouse, a pen or a finger (pointer
// events). While dragging, a preview shows the new time snapped to 15 minutes, drawn here in the browser
// (no round trip); on release the drop goes to the server through the hidden #calendar-drop input as
// "bookingId|YYYY-MM-DDTHH:MM|stamp" (a wall time of the trainer's zone, which the server turns into an
// instant), and the reschedule service decides. A refused drop leaves the session where it was.
(function () {
  if (window.__trainerdeskCalendar) return;
  window.__trainerdeskCalendar = true;
  var SNAP = 15, THRESHOLD = 6;
  var drag = null, swallowUntil = 0;

  function columnAt(x, y) {
    var el = document.elementFromPoint(x, y);
    return el && el.closest ? el.closest("[data-cal-col]") : null;
  }
  function minuteIn(col, y) {
    var r = col.getBoundingClientRect();
    return +col.dataset.first + ((y - r.top) / r.height) * +col.dataset.span;
  }
  function clock(minute, h12) {
    var h = Math.floor(minute / 60) % 24, m = String(minute % 60).padStart(2, "0");
    if (!h12) return String(h).padStart(2, "0") + ":" + m;
    return ((h + 11) % 12 + 1) + ":" + m + "\u00a0" + (h < 12 ? "AM" : "PM");
  }
  function label(text) {
    var out = document.getElementById("calendar-drag-label");
    if (out) out.textContent = text;
  }
  function clear() {
    if (!drag) return;
    if (drag.ghost) drag.ghost.remove();
    drag.el.classList.remove("td-cal-dragging");
    drag = null;
  }
  function send(value) {
    var input = document.getElementById("calendar-drop");
    if (!input) return;
    // Set the value the way React notices, then fire the input event its onChange listens to.
    var setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
    setter.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("pointerdown", function (e) {
    var s = e.target.closest ? e.target.closest("[data-session]") : null;
    if (!s || e.button > 0 || s.dataset.movable !== "1") return;
    var col = s.closest("[data-cal-col]");
    if (!col) return;
    drag = {
      el: s, id: s.dataset.session, trainer: s.dataset.trainer, minutes: +s.dataset.minutes,
      h12: s.dataset.h12 === "1", x0: e.clientX, y0: e.clientY, moving: false, ghost: null, target: null,
      // where in the session it was grabbed, so it moves with the pointer instead of jumping to it
      grab: minuteIn(col, e.clientY) - minuteIn(col, s.getBoundingClientRect().top),
      from: col.dataset.day + "T" + clock(Math.round(minuteIn(col, s.getBoundingClientRect().top)), false),
    };
  });

  document.addEventListener("pointermove", function (e) {
    if (!drag) return;
    if (!drag.moving) {
      if (Math.abs(e.clientX - drag.x0) + Math.abs(e.clientY - drag.y0) < THRESHOLD) return;
      drag.moving = true;
      drag.el.classList.add("td-cal-dragging");
      drag.ghost = document.createElement("div");
      drag.ghost.className = "td-cal-ghost";
      drag.ghost.setAttribute("aria-hidden", "true");
      document.body.appendChild(drag.ghost);
    }
    e.preventDefault();
    var col = columnAt(e.clientX, e.clientY);
    // In the team day view each column is one trainer's: a session moves in time, not to someone else.
    if (!col || (col.dataset.trainer && col.dataset.trainer !== drag.trainer)) {
      drag.target = null;
      drag.ghost.style.display = "none";
      label("");
      return;
    }
    var first = +col.dataset.first, span = +col.dataset.span;
    var minute = Math.round((minuteIn(col, e.clientY) - drag.grab) / SNAP) * SNAP;
    minute = Math.max(0, Math.min(1440 - drag.minutes, minute));
    var r = col.getBoundingClientRect(), g = drag.ghost.style;
    g.display = "block";
    g.left = r.left + 2 + "px";
    g.width = r.width - 4 + "px";
    g.top = r.top + ((minute - first) / span) * r.height + "px";
    g.height = Math.max(18, (drag.minutes / span) * r.height) + "px";
    var text = clock(minute, drag.h12) + "\u2013" + clock(minute + drag.minutes, drag.h12);
    drag.ghost.textContent = text;
    drag.target = col.dataset.day + "T" + clock(minute, false);
    label("Move to " + col.dataset.label + ", " + text);
  }, { passive: false });

  document.addEventListener("pointerup", function () {
    if (!drag) return;
    var moving = drag.moving, target = drag.target, id = drag.id, from = drag.from;
    clear();
    label("");
    if (!moving) return; // a click: the button opens the session's details
    swallowUntil = Date.now() + 500; // the click that ends a drag opens nothing
    if (target && target !== from) send(id + "|" + target + "|" + Date.now());
  });
  document.addEventListener("pointercancel", function () { clear(); label(""); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { clear(); label(""); } });
  document.addEventListener("click", function (e) {
    if (Date.now() < swallowUntil && e.target.closest && e.target.closest("[data-session]")) {
      e.stopPropagation();
      e.preventDefault();
    }
  }, true);
})();
