"""`review_publishing`: sent inside the transaction that publishes a review, before it is
saved, so that other apps can freeze the evidence it cites (coverage scenarios). Each
receiver returns a dict merged into the review's frozen snapshot under "evidence"."""

from django.dispatch import Signal

review_publishing = Signal()  # keyword argument: review
