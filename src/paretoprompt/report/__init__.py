"""Reports built from run directories alone (journal + result), never from live objects."""
