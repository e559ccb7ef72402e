"""One module per page; ``trainerdesk.py`` registers them."""
