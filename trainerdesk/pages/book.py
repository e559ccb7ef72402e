"""The public booking page and its embeddable twin."""

import reflex as rx

from ..components.booking_calendar import booking_widget
from ..components.layout import bare_page, public_page


def book_page() -> rx.Component:
    return public_page(booking_widget())


# Tells the page that frames the widget its height, so the iframe never needs a scrollbar.
RESIZE_REPORTER = """
(function () {
  if (window.parent === window) return;
  var last = 0;
  function report() {
    var height = document.documentElement.scrollHeight;
    if (height !== last) {
      last = height;
      window.parent.postMessage({source: "trainerdesk", type: "resize", height: height}, "*");
    }
  }
  new ResizeObserver(report).observe(document.documentElement);
  report();
})();
"""


def embed_page() -> rx.Component:
    return bare_page(booking_widget(), rx.script(RESIZE_REPORTER))
