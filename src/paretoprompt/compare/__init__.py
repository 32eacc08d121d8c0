"""`paretoprompt compare`: every optimizer on the same tasks at one matched rollout budget.

config (what to compare) -> plan (one run spec per task × seed × optimizer[-variant], options
scaled to the budget by `scaling`, ablations from `variants`) -> runner (each spec in its own
resumable run directory) -> table (aggregated over seeds) -> output (console, md, CSV, JSON).
"""
