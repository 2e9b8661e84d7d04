"""Usage summaries and reviews — built in the reviews issue."""
