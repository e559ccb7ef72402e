"""Calendars outside TrainerDesk (CALENDARS.md): the core pieces, free of models and routes.

- :mod:`trainerdesk.calendars.busy`: iCalendar text -> busy times (pure: no clock, no
  environment, no I/O).
- :mod:`trainerdesk.calendars.fetch`: fetching a URL a user typed, safely (network I/O).
- :mod:`trainerdesk.calendars.secrets`: encrypting the calendar URLs and passwords at rest.
"""
