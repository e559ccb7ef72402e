"""TrainerDesk: the booking system of a personal trainer's business."""
