"""Programs: named, optimizable text components run by an LM."""
