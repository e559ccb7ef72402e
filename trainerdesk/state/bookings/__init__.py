"""The bookings page's states: the table (:mod:`.table`), and two substates of it, the filters
(:mod:`.filters`) and the details and action dialogs (:mod:`.dialogs`). What they show is built by the
pure presenters in ``state/presenters.py``."""

from .dialogs import BookingDialogsState
from .filters import BookingFiltersState
from .table import BookingsState

__all__ = ["BookingDialogsState", "BookingFiltersState", "BookingsState"]
