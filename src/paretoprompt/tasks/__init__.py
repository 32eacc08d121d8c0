"""Tasks: data splits plus a metric with textual feedback."""
