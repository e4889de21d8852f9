"""Token usage records, prices and cost reports."""
